namespace EfsDr.Core.Exceptions;

/// <summary>
/// Base of every EfsDr domain error. A concrete exception's class name is its Step Functions error name:
/// the Lambda runtime reports <c>GetType().Name</c> as <c>errorType</c>, and the ASL matches <c>ErrorEquals</c> on it.
/// Renaming a class is therefore a breaking change of the workflow contract (a test pins it).
/// </summary>
public abstract class EfsDrException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected EfsDrException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
