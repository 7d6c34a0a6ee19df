using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.Lambda;

/// <summary>Lambda Invoke (POST /2015-03-31/functions/{name}/invocations), dispatched in-process to EfsDr's handlers,
/// whose AWS ports point back at this cloud. STUB: to be implemented.</summary>
public sealed class LambdaEmulator(LocalCloudContext context) : IServiceEmulator
{
    /// <inheritdoc />
    public string SigningName => "lambda";

    internal LocalCloudContext Context { get; } = context;

    /// <inheritdoc />
    public Task<AwsAnswer> HandleAsync(AwsCall call, CancellationToken cancellationToken) =>
        Task.FromResult(AwsAnswer.JsonError(501, "NotImplemented", "Lambda emulator not implemented yet"));

    /// <inheritdoc />
    public AwsAnswer Throttled() => AwsAnswer.JsonError(429, "TooManyRequestsException", "Rate exceeded");

    /// <inheritdoc />
    public AwsAnswer ServerError() => AwsAnswer.JsonError(500, "ServiceException", "Injected server error");

    /// <summary>Deploys EfsDr's functions in a region with the given environment (EFSDR_CONFIG_PARAMETER, EFSDR_NODE_DOCUMENT …);
    /// returns each handler name's function ARN.</summary>
    public IReadOnlyDictionary<string, string> DeployFunctions(string region, IReadOnlyDictionary<string, string> environment) => throw new NotImplementedException();

    /// <summary>Invocations so far, by handler name.</summary>
    public IReadOnlyDictionary<string, int> Invocations => throw new NotImplementedException();
}
