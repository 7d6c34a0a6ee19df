namespace EfsDr.Functions.Tests.Runtime;

/// <summary>Tests that read or write process environment variables (<c>_X_AMZN_TRACE_ID</c>, <c>AWS_LAMBDA_RUNTIME_API</c>)
/// run one at a time, apart from everything else.</summary>
[CollectionDefinition(nameof(RuntimeEnvironment), DisableParallelization = true)]
public sealed class RuntimeEnvironment;
