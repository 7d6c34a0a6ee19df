namespace EfsDr.Core.Exceptions;

/// <summary>No credentials for the cloud could be found (none in the environment, the shared files or the instance's
/// role), so no call was made.</summary>
public class CredentialsUnavailableException : EfsDrException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was looked at and what was missing.</param>
    /// <param name="innerException">The credential chain's own failure, if any.</param>
    public CredentialsUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>The named credential profile does not exist in the shared credentials or config file.</summary>
public sealed class CredentialProfileNotFoundException(string profile)
    : CredentialsUnavailableException($"profile '{profile}' is not in the shared credentials or config file")
{
    /// <summary>The profile asked for.</summary>
    public string Profile { get; } = profile;
}
