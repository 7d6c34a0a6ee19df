using EfsDr.Core.Workflows;

namespace EfsDr.Functions.Handlers;

/// <summary>The handler strings of the functions (the template's <c>Handler</c>, the runtime's <c>_HANDLER</c>). The failover's
/// come from its description, <see cref="FailoverWorkflow"/>.</summary>
public static class FunctionNames
{
    /// <summary>The scheduled health check (not part of the failover workflow).</summary>
    public const string HealthCheck = "health-check";

    /// <summary>The failover workflow's functions (each is a Task of the failover ASL).</summary>
    public static IReadOnlyList<string> Failover => FailoverWorkflow.Handlers;

    /// <summary>The reprotect workflow's functions (each is a Task of the reprotect ASL).</summary>
    public static IReadOnlyList<string> Reprotect => ReprotectWorkflow.Handlers;

    /// <summary>Every name.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Failover, .. Reprotect, HealthCheck];
}
