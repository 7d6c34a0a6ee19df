using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.StepFunctions;

/// <summary>Step Functions (JSON 1.0): StartExecution, DescribeExecution, GetExecutionHistory, ListExecutions; each
/// execution runs the real ASL in aws-local-stepfunctions, whose Lambda tasks call this cloud. STUB: to be implemented.</summary>
public sealed class StepFunctionsEmulator(LocalCloudContext context) : IServiceEmulator
{
    /// <inheritdoc />
    public string SigningName => "states";

    internal LocalCloudContext Context { get; } = context;

    /// <inheritdoc />
    public Task<AwsAnswer> HandleAsync(AwsCall call, CancellationToken cancellationToken) =>
        Task.FromResult(AwsAnswer.JsonError(501, "NotImplemented", "Step Functions emulator not implemented yet", restJson: false));

    /// <inheritdoc />
    public AwsAnswer Throttled() => AwsAnswer.JsonError(400, "ThrottlingException", "Rate exceeded");

    /// <inheritdoc />
    public AwsAnswer ServerError() => AwsAnswer.JsonError(500, "ServiceUnavailable", "Injected server error");

    /// <summary>Creates a STANDARD state machine from an ASL file with DefinitionSubstitutions applied; returns its ARN.</summary>
    public string CreateStateMachine(string region, string name, string definitionFile, IReadOnlyDictionary<string, string> substitutions) => throw new NotImplementedException();
}
