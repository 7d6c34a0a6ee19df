using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using EfsDr.LocalCloud.Hosting;

namespace EfsDr.LocalCloud.Tests.Json;

/// <summary>
/// The local cloud's error answers need no reflection-based JSON: run as a process with
/// <c>JsonSerializer.IsReflectionEnabledByDefault</c> off (as under trimming or Native AOT), it still answers typed
/// error bodies rather than an empty 500.
/// </summary>
public sealed class NoReflectionJsonTests
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false, "__type", "message")]
    [InlineData(true, "ErrorCode", "Message")]
    public void JsonError_ContextOnlyResolver_BodyCarriesCodeAndMessage(bool restJson, string codeField, string messageField)
    {
        var answer = AwsAnswer.JsonError(400, "ValidationException", "bad input", restJson);

        var body = JsonNode.Parse(answer.Body)!.AsObject();
        Assert.Equal("ValidationException", body[codeField]!.GetValue<string>());
        Assert.Equal("bad input", body[messageField]!.GetValue<string>());
        Assert.Equal(2, body.Count);
        var options = new JsonSerializerOptions { TypeInfoResolver = LocalCloudJson.Default };
        Assert.NotNull(options.GetTypeInfo(typeof(JsonProtocolError)));
        Assert.NotNull(options.GetTypeInfo(typeof(RestJsonError)));
    }

    [Fact]
    public async Task LocalCloudProcess_ReflectionDisabled_AnswersTypedErrorBodies()
    {
        var token = TestContext.Current.CancellationToken;
        var directory = AppContext.BaseDirectory;
        var runtimeConfig = Path.Combine(Path.GetTempPath(), $"efsdr-localcloud-noreflection-{Environment.ProcessId}-{Guid.NewGuid():N}.runtimeconfig.json");
        var config = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "EfsDr.LocalCloud.runtimeconfig.json"), token))!.AsObject();
        var options = config["runtimeOptions"]!.AsObject();
        var properties = options["configProperties"] as JsonObject ?? [];
        properties["System.Text.Json.JsonSerializer.IsReflectionEnabledByDefault"] = false;
        options["configProperties"] = properties;
        await File.WriteAllTextAsync(runtimeConfig, config.ToJsonString(), token);

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "exec", "--runtimeconfig", runtimeConfig, "--depsfile", Path.Combine(directory, "EfsDr.LocalCloud.deps.json"), Path.Combine(directory, "EfsDr.LocalCloud.dll"), "0" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        try
        {
            var endpoint = await EndpointAsync(process, token);
            using var http = new HttpClient { BaseAddress = endpoint };

            using var unsigned = await http.GetAsync("/", token);
            var unsignedBody = await unsigned.Content.ReadAsStringAsync(token);
            Assert.Equal(HttpStatusCode.Forbidden, unsigned.StatusCode);
            Assert.Equal("MissingAuthenticationToken", JsonNode.Parse(unsignedBody)!["__type"]!.GetValue<string>());

            using var request = new HttpRequestMessage(HttpMethod.Post, "/");
            request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/nosuchservice/aws4_request, SignedHeaders=host, Signature=0");
            using var unknown = await http.SendAsync(request, token);
            var unknownBody = await unknown.Content.ReadAsStringAsync(token);
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            Assert.Equal("UnknownService", JsonNode.Parse(unknownBody)!["__type"]!.GetValue<string>());
            Assert.Contains("nosuchservice", JsonNode.Parse(unknownBody)!["message"]!.GetValue<string>(), StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync(CancellationToken.None);
            File.Delete(runtimeConfig);
        }
    }

    /// <summary>The endpoint the process prints once it listens, read within <see cref="StartDeadline"/>.</summary>
    private static async Task<Uri> EndpointAsync(Process process, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartDeadline);
        const string Marker = "EfsDr local cloud on ";
        while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
        {
            if (line.StartsWith(Marker, StringComparison.Ordinal))
            {
                return new Uri(line[Marker.Length..].Split(' ')[0]);
            }
        }

        Assert.Fail($"The local cloud exited before listening: {await process.StandardError.ReadToEndAsync(cancellationToken)}");
        throw new InvalidOperationException("unreachable");
    }
}
