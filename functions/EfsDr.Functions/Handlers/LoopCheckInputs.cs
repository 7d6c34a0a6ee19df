using System.Text.Json.Serialization;
using EfsDr.Core.Failover;

namespace EfsDr.Functions.Handlers;

// The three loop checks (CheckPromotion, CheckNodeCommand, CheckDns) are the functions invoked most often, and each
// invocation may be a cold start. They receive the whole failover state (plan, lock, TTL, fencing, deactivation,
// promotion, node, DNS), but each reads only the plan and its own loop's progress. Parsing only those members, and
// skipping the rest unread, spares a cold start the JSON metadata of every other member's types, which the profile showed
// as the largest part of a check's CPU after the runtime itself (bench/results/cold-start-2026-12-03-views.md). The
// domain services take exactly these members (their (plan, progress) overloads), so the compiler checks that nothing
// else is read.

/// <summary>What CheckPromotion reads from the failover state.</summary>
internal sealed record PromotionCheckInput
{
    /// <summary>The plan.</summary>
    public FailoverPlan Plan { get; set; } = new();

    /// <summary>The promotion's progress so far.</summary>
    public PromotionState? Promotion { get; set; }
}

/// <summary>What CheckNodeCommand reads from the failover state.</summary>
internal sealed record NodeCheckInput
{
    /// <summary>The plan.</summary>
    public FailoverPlan Plan { get; set; } = new();

    /// <summary>The node command's progress so far.</summary>
    public NodeState? Node { get; set; }
}

/// <summary>What CheckDns reads from the failover state.</summary>
internal sealed record DnsCheckInput
{
    /// <summary>The plan.</summary>
    public FailoverPlan Plan { get; set; } = new();

    /// <summary>The DNS change's progress so far.</summary>
    public DnsState? Dns { get; set; }
}

/// <summary>The loop checks' inputs, with <see cref="StateJsonContext"/>'s options: camelCase, other members skipped.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(PromotionCheckInput))]
[JsonSerializable(typeof(NodeCheckInput))]
[JsonSerializable(typeof(DnsCheckInput))]
internal sealed partial class LoopCheckJsonContext : JsonSerializerContext;
