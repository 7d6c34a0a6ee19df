using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace EfsDr.Functions.Observability;

/// <summary>
/// One JSON object per line, written synchronously (a frozen Lambda sandbox loses buffered output): timestamp, level,
/// the rendered message, the message template and each template property as its own member, plus the scope values
/// (request id, run id). Set the function's log format to match (JSON, or AWS_LAMBDA_HANDLER_LOG_FORMAT=Unformatted).
/// </summary>
/// <remarks>
/// The level is written with Lambda's names (<see cref="LambdaLevel"/>): with the JSON log format Lambda filters
/// application logs by the <c>level</c> member and treats a missing or unknown level as INFO
/// (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).
/// </remarks>
public sealed class JsonLineLogger(string category, TextWriter output, TimeProvider time, LogLevel minimum = LogLevel.Information) : ILogger
{
    private static readonly AsyncLocal<Dictionary<string, object?>?> Scope = new();
    private static readonly Lock Gate = new();

    /// <inheritdoc />
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull
    {
        var previous = Scope.Value;
        var current = previous is null ? new Dictionary<string, object?>(StringComparer.Ordinal) : new Dictionary<string, object?>(previous, StringComparer.Ordinal);
        if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
        {
            foreach (var (k, v) in pairs)
            {
                current[k] = v;
            }
        }

        Scope.Value = current;
        return new Restore(previous);
    }

    /// <summary>
    /// The level as Lambda's log-level filtering names it: TRACE, DEBUG, INFO, WARN, ERROR or FATAL. .NET's own names
    /// (Information, Warning, Critical) are unknown to Lambda, which would file them all under INFO.
    /// </summary>
    public static string LambdaLevel(LogLevel logLevel) => logLevel switch
    {
        LogLevel.Trace => "TRACE",
        LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARN",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "FATAL",
        _ => throw new ArgumentOutOfRangeException(nameof(logLevel), logLevel, "not a level a log line is written at"),
    };

    /// <inheritdoc />
    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    /// <inheritdoc />
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (!IsEnabled(logLevel))
        {
            return;
        }

        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("timestamp", time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("level", LambdaLevel(logLevel));
            json.WriteString("logger", category);
            json.WriteString("message", formatter(state, exception));
            foreach (var (key, value) in (Scope.Value ?? []).Concat(state as IEnumerable<KeyValuePair<string, object?>> ?? []))
            {
                var name = key == "{OriginalFormat}" ? "messageTemplate" : key;
                json.WritePropertyName(name);
                WriteValue(json, value);
            }

            if (exception is not null)
            {
                json.WriteString("errorType", exception.GetType().Name);
                json.WriteString("errorMessage", exception.Message);
            }

            json.WriteEndObject();
        }

        var line = Encoding.UTF8.GetString(buffer.ToArray());
        lock (Gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case bool b: json.WriteBooleanValue(b); break;
            case int i: json.WriteNumberValue(i); break;
            case long l: json.WriteNumberValue(l); break;
            case double d: json.WriteNumberValue(d); break;
            case DateTimeOffset t: json.WriteStringValue(t.ToString("O", System.Globalization.CultureInfo.InvariantCulture)); break;
            default: json.WriteStringValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)); break;
        }
    }

    private sealed class Restore(Dictionary<string, object?>? previous) : IDisposable
    {
        public void Dispose() => Scope.Value = previous;
    }
}

/// <summary>Creates <see cref="JsonLineLogger"/>s on one writer.</summary>
public sealed class JsonLineLoggerProvider(TextWriter output, TimeProvider time, LogLevel minimum = LogLevel.Information) : ILoggerProvider, ILoggerFactory
{
    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new JsonLineLogger(categoryName, output, time, minimum);

    /// <inheritdoc />
    public void AddProvider(ILoggerProvider provider)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
