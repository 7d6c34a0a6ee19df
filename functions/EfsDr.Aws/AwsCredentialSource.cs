using Amazon.Runtime;
using Amazon.Runtime.CredentialManagement;
using Amazon.Runtime.Credentials;
using EfsDr.Core.Exceptions;

namespace EfsDr.Aws;

/// <summary>
/// Resolves the credentials a composition root (the CLI) hands to <see cref="AwsAdapters"/>, turning the SDK's failures
/// into domain errors: a named profile that does not exist is <see cref="CredentialProfileNotFoundException"/>, an empty default
/// chain is <see cref="CredentialsUnavailableException"/>.
/// </summary>
public static class AwsCredentialSource
{
    /// <summary>The credentials of <paramref name="profile"/> when one is named, else the default AWS chain's.</summary>
    /// <exception cref="CredentialProfileNotFoundException">The profile is not in the shared files.</exception>
    /// <exception cref="CredentialsUnavailableException">The default chain found no credentials.</exception>
    public static AWSCredentials Resolve(string? profile)
    {
        if (!string.IsNullOrEmpty(profile))
        {
            var profiles = new CredentialProfileStoreChain();
            if (!profiles.TryGetProfile(profile, out _))
            {
                throw new CredentialProfileNotFoundException(profile);
            }

            return profiles.TryGetAWSCredentials(profile, out var named)
                ? named
                : throw new CredentialsUnavailableException($"profile '{profile}' has no usable credentials");
        }

        try
        {
            return DefaultAWSCredentialsIdentityResolver.GetCredentials(null);
        }
        catch (AmazonClientException ex)
        {
            throw new CredentialsUnavailableException("no AWS credentials found (environment, shared credentials and config files, instance role)", ex);
        }
    }
}
