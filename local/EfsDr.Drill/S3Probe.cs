using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using EfsDr.Runs;

namespace EfsDr.Drill;

/// <summary>The S3 API of the application at one address (the drill's MinIO stand-in on a simulated node).</summary>
public sealed class S3Probe : IDisposable
{
    private readonly AmazonS3Client _s3;

    /// <summary>A client for http://ADDRESS:9000 with path-style addressing.</summary>
    public S3Probe(string address)
    {
        Address = address;
        _s3 = new AmazonS3Client(
            new BasicAWSCredentials("S3RVER", "S3RVER"),
            new AmazonS3Config
            {
                ServiceURL = $"http://{address}:9000",
                ForcePathStyle = true,
                AuthenticationRegion = "us-east-1",
                RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
                ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
                Timeout = TimeSpan.FromSeconds(10),
                MaxErrorRetry = 1,
            });
    }

    /// <summary>The address it talks to.</summary>
    public string Address { get; }

    /// <summary>Creates the bucket unless it exists.</summary>
    public async Task EnsureBucketAsync(string bucket, CancellationToken cancellationToken)
    {
        var buckets = await _s3.ListBucketsAsync(cancellationToken).ConfigureAwait(false);
        if (buckets.Buckets?.Any(b => b.BucketName == bucket) != true)
        {
            await _s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Uploads a text object.</summary>
    public Task PutAsync(string bucket, string key, string text, CancellationToken cancellationToken) =>
        _s3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, ContentBody = text, UseChunkEncoding = false }, cancellationToken);

    /// <summary>Reads a text object.</summary>
    public async Task<string> GetAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        using var response = await _s3.GetObjectAsync(bucket, key, cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when the address answers an S3 request at all (a list of buckets, or any S3 error response); false when
    /// the connection fails or no answer comes within the client's timeout.</summary>
    public async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _s3.ListBucketsAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonServiceException ex) when (ex.StatusCode != 0)
        {
            return true;
        }
#pragma warning disable CA1031 // Any other failure (connection refused, timeout) means the address does not answer.
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _s3.Dispose();
}
