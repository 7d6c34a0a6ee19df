using System.Text.Json;
using EfsDr.Functions.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Functions.Tests.Observability;

public sealed class JsonLineLoggerTests
{
    /// <summary>Lambda's application log levels (JSON log format): anything else is filed under INFO.</summary>
    private static readonly string[] LambdaLevels = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

    [Theory]
    [InlineData(LogLevel.Trace, "TRACE")]
    [InlineData(LogLevel.Debug, "DEBUG")]
    [InlineData(LogLevel.Information, "INFO")]
    [InlineData(LogLevel.Warning, "WARN")]
    [InlineData(LogLevel.Error, "ERROR")]
    [InlineData(LogLevel.Critical, "FATAL")]
    public void Log_EachLevel_WritesLambdasLevelName(LogLevel level, string expected)
    {
        using var output = new StringWriter();
        var logger = new JsonLineLogger("test", output, new FakeTimeProvider(), LogLevel.Trace);

        logger.Log(level, new EventId(1), "message", null, (s, _) => s);

        var written = JsonDocument.Parse(output.ToString()).RootElement.GetProperty("level").GetString();
        Assert.Equal(expected, written);
        Assert.Contains(written, LambdaLevels);
    }

    [Fact]
    public void LambdaLevel_None_IsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => JsonLineLogger.LambdaLevel(LogLevel.None));
    }

    [Fact]
    public void Log_BelowTheMinimum_WritesNothing()
    {
        using var output = new StringWriter();
        var logger = new JsonLineLogger("test", output, new FakeTimeProvider());

        logger.Log(LogLevel.Debug, new EventId(1), "message", null, (s, _) => s);

        Assert.Empty(output.ToString());
    }
}
