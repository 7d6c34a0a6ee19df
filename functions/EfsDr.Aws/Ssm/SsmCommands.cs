namespace EfsDr.Aws.Ssm;

/// <summary>SSM Run Command invocation status.</summary>
public enum CommandStatus
{
    /// <summary>A value EfsDr does not know.</summary>
    Unknown = 0,
    /// <summary>Not yet started.</summary>
    Pending,
    /// <summary>Running.</summary>
    InProgress,
    /// <summary>Delayed by the agent.</summary>
    Delayed,
    /// <summary>Finished successfully.</summary>
    Success,
    /// <summary>Cancelled.</summary>
    Cancelled,
    /// <summary>Timed out (delivery or execution).</summary>
    TimedOut,
    /// <summary>Failed.</summary>
    Failed,
    /// <summary>Being cancelled.</summary>
    Cancelling,
}

/// <summary>One invocation of a command on one instance (GetCommandInvocation).</summary>
public sealed record CommandInvocation(
    string CommandId,
    string InstanceId,
    CommandStatus Status,
    string? StatusDetails,
    int ResponseCode,
    string StandardOutput,
    string StandardError)
{
    /// <summary>True once the invocation can no longer change.</summary>
    public bool IsTerminal => Status is CommandStatus.Success or CommandStatus.Failed or CommandStatus.TimedOut or CommandStatus.Cancelled;
}

/// <summary>A command to send (SendCommand): the document, its parameters (each a list of strings) and its timeouts.</summary>
public sealed record NodeCommand(
    string DocumentName,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Parameters,
    string? Comment = null,
    int? DeliveryTimeoutSeconds = null,
    string? DocumentVersion = null);
