namespace EfsDr.Functions.Runtime;

/// <summary>What the Runtime API told about one invocation.</summary>
/// <param name="RequestId">Lambda-Runtime-Aws-Request-Id.</param>
/// <param name="Deadline">Lambda-Runtime-Deadline-Ms as an instant.</param>
/// <param name="FunctionArn">Lambda-Runtime-Invoked-Function-Arn.</param>
/// <param name="TraceId">Lambda-Runtime-Trace-Id, when present.</param>
public sealed record InvocationContext(string RequestId, DateTimeOffset Deadline, string FunctionArn, string? TraceId);

/// <summary>One function: the event's bytes in, the response's bytes out; an exception becomes the invocation's error
/// with <c>errorType</c> = the exception's class name.</summary>
public delegate Task<byte[]> LambdaHandler(byte[] input, InvocationContext context, CancellationToken cancellationToken);
