namespace EfsDr.Aws.Http;

/// <summary>How to reach and sign for one AWS service.</summary>
/// <param name="ServiceId">The SDK service id (as in <c>AWS_ENDPOINT_URL_&lt;ID&gt;</c> once upper-cased, spaces to underscores).</param>
/// <param name="SigningName">The SigV4 service name.</param>
/// <param name="HostTemplate">The default host; <c>{region}</c> is replaced.</param>
/// <param name="GlobalSigningRegion">For a global service, the region every request is signed for; otherwise null.</param>
/// <param name="ErrorService">The short name put in error details.</param>
public sealed record AwsServiceInfo(string ServiceId, string SigningName, string HostTemplate, string? GlobalSigningRegion, string ErrorService)
{
    /// <summary>Amazon EFS (REST-JSON).</summary>
    public static AwsServiceInfo Efs { get; } = new("EFS", "elasticfilesystem", "elasticfilesystem.{region}.amazonaws.com", null, "efs");

    /// <summary>Amazon Route 53 (REST-XML, global, signed for us-east-1).</summary>
    public static AwsServiceInfo Route53 { get; } = new("Route 53", "route53", "route53.amazonaws.com", "us-east-1", "route53");

    /// <summary>AWS Step Functions (JSON 1.0).</summary>
    public static AwsServiceInfo StepFunctions { get; } = new("SFN", "states", "states.{region}.amazonaws.com", null, "states");

    /// <summary>AWS Systems Manager (served by AWSSDK.SimpleSystemsManagement).</summary>
    public static AwsServiceInfo Ssm { get; } = new("SSM", "ssm", "ssm.{region}.amazonaws.com", null, "ssm");

    /// <summary>Amazon EC2 (served by AWSSDK.EC2).</summary>
    public static AwsServiceInfo Ec2 { get; } = new("EC2", "ec2", "ec2.{region}.amazonaws.com", null, "ec2");

    /// <summary>The suffix of the service-specific endpoint variable, e.g. <c>ROUTE_53</c>.</summary>
    public string EnvironmentSuffix => ServiceId.ToUpperInvariant().Replace(' ', '_');

    /// <summary>The region a request to <paramref name="region"/> is signed for.</summary>
    public string SigningRegion(string region) => GlobalSigningRegion ?? region;
}
