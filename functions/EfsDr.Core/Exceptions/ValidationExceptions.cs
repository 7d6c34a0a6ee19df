namespace EfsDr.Core.Exceptions;

/// <summary>One rejected field: its path (e.g. <c>servers[2].privateIp</c>) and why.</summary>
public sealed record FieldError(string Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>Base of the "bad input, nothing was changed" errors; every message names the fields.</summary>
public abstract class FieldValidationException : EfsDrException
{
    /// <summary>Creates the exception.</summary>
    protected FieldValidationException(string what, IReadOnlyList<FieldError> errors)
        : base($"{what}: " + string.Join("; ", errors))
    {
        Errors = errors;
    }

    /// <summary>Every rejected field.</summary>
    public IReadOnlyList<FieldError> Errors { get; }
}

/// <summary>The execution input was rejected before anything was changed.</summary>
public sealed class InvalidInputException(IReadOnlyList<FieldError> errors)
    : FieldValidationException("invalid input", errors);

/// <summary>The cluster configuration was rejected.</summary>
public sealed class InvalidConfigurationException(IReadOnlyList<FieldError> errors)
    : FieldValidationException("invalid configuration", errors);
