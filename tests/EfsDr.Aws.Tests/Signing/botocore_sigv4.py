# Computes a SigV4 Authorization header with botocore (independent of AWSSDK.Core) at 2025-01-01T00:00:00Z.
# usage: python3 botocore_sigv4.py JSON  with JSON {method,url,body?,headers?,service,region,token?}
import sys, json, hashlib, datetime
from unittest import mock
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
# usage: sigv4.py json-spec ; spec: {method,url,body,headers,service,region,token}
spec = json.loads(sys.argv[1])
creds = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", spec.get("token"))
body = spec.get("body", "").encode()
headers = dict(spec.get("headers", {}))
headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
req = AWSRequest(method=spec["method"], url=spec["url"], data=body, headers=headers)
with mock.patch("botocore.auth.get_current_datetime", return_value=datetime.datetime(2025, 1, 1, 0, 0, 0)):
    SigV4Auth(creds, spec["service"], spec["region"]).add_auth(req)
print(req.headers["Authorization"])
