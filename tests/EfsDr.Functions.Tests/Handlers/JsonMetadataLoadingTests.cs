using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using EfsDr.Core.Workflows;
using EfsDr.Functions.Runtime;
using EfsDr.Testing.Fakes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EfsDr.Functions.Tests.Handlers;

/// <summary>
/// A Lambda process builds every handler but runs one; configuring the JSON metadata of all of them cost the AOT cold
/// start about a fifth of its CPU (bench/results/cold-start-2026-12-03.md). Building the handlers must therefore read no
/// <c>XJsonContext.Default.Y</c>, and an invocation only its own. The JSON contexts are process-wide singletons that the
/// other tests have long since warmed, so each case runs in a fresh <see cref="AssemblyLoadContext"/> with its own
/// copies of the EfsDr assemblies (and so its own, untouched, contexts).
/// </summary>
public sealed class JsonMetadataLoadingTests
{
    [Fact]
    public async Task Handlers_AllBuilt_ResolveNoJsonMetadata()
    {
        // Act
        var resolved = await InFreshLoadContextAsync(nameof(JsonMetadataProbe.AfterBuildingAsync));

        // Assert
        Assert.Empty(resolved);
    }

    [Fact]
    public async Task Handlers_OneInvoked_ResolvesOnlyItsOwnJsonMetadata()
    {
        // Act: summarize-run reads the state and writes a RunSummary.
        var resolved = await InFreshLoadContextAsync(nameof(JsonMetadataProbe.AfterSummarizingAsync));

        // Assert: the state's metadata (with the types nested in it) and the summary's; nothing of the run lock's,
        // the reprotect's or the health check's contexts.
        Assert.Contains("StateJsonContext.FailoverState", resolved);
        Assert.Contains("StateJsonContext.RunSummary", resolved);
        Assert.All(resolved, r => Assert.StartsWith("StateJsonContext.", r, StringComparison.Ordinal));
    }

    private static async Task<string[]> InFreshLoadContextAsync(string probe)
    {
        var context = new FreshEfsDrLoadContext();
        try
        {
            var assembly = context.LoadFromAssemblyPath(typeof(JsonMetadataLoadingTests).Assembly.Location);
            var method = assembly.GetType(typeof(JsonMetadataProbe).FullName!, throwOnError: true)!.GetMethod(probe, BindingFlags.Public | BindingFlags.Static)!;
            return await (Task<string[]>)method.Invoke(null, null)!;
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>Loads the EfsDr assemblies (this one, and the functions' <c>bootstrap</c>, included) afresh; everything
    /// else is shared with the default context.</summary>
    private sealed class FreshEfsDrLoadContext() : AssemblyLoadContext("fresh-efsdr", isCollectible: true)
    {
        private static readonly string Functions = typeof(FunctionHost).Assembly.GetName().Name!;

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            var name = assemblyName.Name!;
            var path = Path.Combine(AppContext.BaseDirectory, name + ".dll");
            return (name.StartsWith("EfsDr.", StringComparison.Ordinal) || name == Functions) && File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}

/// <summary>Runs inside <see cref="JsonMetadataLoadingTests"/>' fresh load context: builds the handlers as the Lambda
/// bootstrap does and names the <c>JsonTypeInfo</c> properties of the JSON contexts that have been read.</summary>
public static class JsonMetadataProbe
{
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Builds every handler.</summary>
    public static Task<string[]> AfterBuildingAsync()
    {
        _ = Build();
        return Task.FromResult(ResolvedTypeInfos());
    }

    /// <summary>Builds every handler and invokes summarize-run once.</summary>
    public static async Task<string[]> AfterSummarizingAsync()
    {
        var handlers = Build();
        var state = """{"plan":{"runId":"run-1","fileSystemId":"fs-1","targetServer":"server3"}}"""u8.ToArray();
        await handlers[FailoverWorkflow.SummarizeRun.Handler!](state, new InvocationContext("req-1", Now.AddMinutes(1), "arn:aws:lambda:us-west-2:1:function:f", null), CancellationToken.None);
        return ResolvedTypeInfos();
    }

    private static IReadOnlyDictionary<string, LambdaHandler> Build()
    {
        var cloud = SeedCluster.Cloud(Now);
        var environment = new Dictionary<string, string> { ["AWS_REGION"] = "us-west-2", [FunctionHost.ConfigVariable] = "{}" };
        return FunctionHost.Handlers(n => environment.GetValueOrDefault(n), new FunctionPorts(cloud, cloud, cloud, cloud, cloud, cloud, new InMemoryExecutions()), new FakeTimeProvider(Now), NullLogger.Instance);
    }

    /// <summary>"Context.Property" for every <c>Default.Property</c> read so far: the generated contexts cache each
    /// property's <see cref="JsonTypeInfo{T}"/> in a field on first read.</summary>
    private static string[] ResolvedTypeInfos() =>
    [
        .. typeof(FunctionHost).Assembly.GetReferencedAssemblies()
            .Where(n => n.Name!.StartsWith("EfsDr.", StringComparison.Ordinal))
            .Select(AssemblyLoadContext.GetLoadContext(typeof(FunctionHost).Assembly)!.LoadFromAssemblyName)
            .Append(typeof(FunctionHost).Assembly)
            .SelectMany(a => a.GetTypes())
            .Where(t => t.IsSubclassOf(typeof(JsonSerializerContext)))
            .SelectMany(t => t.GetFields(BindingFlags.Instance | BindingFlags.NonPublic)
                .Where(f => f.FieldType.IsGenericType && f.FieldType.GetGenericTypeDefinition() == typeof(JsonTypeInfo<>))
                .Where(f => f.GetValue(t.GetProperty("Default", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)) is not null)
                .Select(f => t.Name + "." + f.Name.TrimStart('_')))
            .Order(StringComparer.Ordinal),
    ];
}
