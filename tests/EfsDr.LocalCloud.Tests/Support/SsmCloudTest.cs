using System.Collections.Concurrent;
using System.Globalization;
using Amazon.Runtime;
using EfsDr.Aws;
using EfsDr.Aws.Http;
using EfsDr.Aws.Ssm;
using EfsDr.Core.Exceptions;
using EfsDr.Core.Model;
using EfsDr.LocalCloud.Hosting;
using EfsDr.LocalCloud.Nodes;

namespace EfsDr.LocalCloud.Tests.Support;

/// <summary>
/// A local cloud per test (TimeScale 600), talked to with EfsDr's real adapters. The EFS and EC2 emulators are stubs on
/// this branch, so file systems come from <see cref="FileSystems"/> through SsmEmulator.FileSystemResolver and
/// instance states from <see cref="InstanceStates"/> through InstanceStateResolver.
/// </summary>
public abstract class SsmCloudTest : IAsyncLifetime
{
    protected const string Region = "us-west-2";
    protected const string DocumentName = "EfsDr-NodeDocument-local";

    private static int _instances;

    protected LocalCloudHost Cloud { get; private set; } = null!;

    protected AwsAdapters Adapters { get; private set; } = null!;

    /// <summary>(region, file system id) → data folder and writability, as the EFS emulator would answer.</summary>
    protected ConcurrentDictionary<(string Region, string FileSystemId), NodeFileSystem> FileSystems { get; } = new();

    /// <summary>instance id → EC2 state; absent means running.</summary>
    protected ConcurrentDictionary<string, string> InstanceStates { get; } = new(StringComparer.Ordinal);

    protected LocalCloud.Ssm.SsmEmulator Ssm => Cloud.Context.Ssm;

    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    public virtual async ValueTask InitializeAsync()
    {
        Cloud = await LocalCloudHost.StartAsync(new LocalCloudOptions { TimeScale = 600 }, cancellationToken: Token);
        Ssm.FileSystemResolver = (region, id) => FileSystems.TryGetValue((region, id), out var fs) ? fs : null;
        Ssm.InstanceStateResolver = id => InstanceStates.TryGetValue(id, out var state) ? state : null;
        Adapters = new AwsAdapters(
            new BasicAWSCredentials("local", "local"),
            new EndpointResolver(n => n == "AWS_ENDPOINT_URL" ? Cloud.Endpoint.ToString() : null),
            new AwsRetryOptions { MaxAttempts = 2, BaseDelay = TimeSpan.Zero });
    }

    public virtual async ValueTask DisposeAsync()
    {
        Adapters.Dispose();
        await Cloud.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A file system with a data folder under the cloud's root.</summary>
    protected string CreateFileSystem(string id, bool writable = true, string region = Region)
    {
        var data = Path.Combine(Cloud.Context.Root, "efs", region, id);
        Directory.CreateDirectory(data);
        FileSystems[(region, id)] = new NodeFileSystem(data, writable);
        return data;
    }

    /// <summary>A simulated node on a fresh loopback address.</summary>
    protected SimulatedNode AddNode(string name = "server1", string region = Region)
    {
        var n = Interlocked.Increment(ref _instances);
        return Ssm.AddNode(name, "i-0" + n.ToString("x16", CultureInfo.InvariantCulture), region, Loopback.Next());
    }

    /// <summary>EfsDr's node command, as NodeActivationService builds it, with values replaced by <paramref name="overrides"/>.</summary>
    protected static NodeCommand Command(string action, string fileSystemId, IReadOnlyDictionary<string, string>? overrides = null, int deliveryTimeoutSeconds = 600)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Action"] = action,
            ["FileSystemId"] = fileSystemId,
            ["Region"] = Region,
            ["MountPoint"] = "/mnt/efs",
            ["MountMethod"] = "efs-utils",
            ["Unit"] = "minio",
            ["HealthUrl"] = "http://127.0.0.1:9000/minio/health/live",
            ["HealthTimeoutSeconds"] = "20",
        };
        foreach (var (name, value) in overrides ?? new Dictionary<string, string>())
        {
            parameters[name] = value;
        }

        return new NodeCommand(DocumentName, parameters.ToDictionary(p => p.Key, p => (IReadOnlyList<string>)[p.Value], StringComparer.Ordinal), "local cloud test", deliveryTimeoutSeconds);
    }

    /// <summary>Sends a command and waits (real-time deadline) for its final status; InvocationDoesNotExist means not yet.</summary>
    protected async Task<CommandInvocation> RunAsync(SimulatedNode node, NodeCommand command, TimeSpan? timeout = null)
    {
        var commandId = await Adapters.NodeCommands.SendAsync(node.Region, node.InstanceId, command, Token);
        return await WaitAsync(node, commandId, timeout);
    }

    /// <summary>Polls GetCommandInvocation until the invocation is final.</summary>
    protected Task<CommandInvocation> WaitAsync(SimulatedNode node, string commandId, TimeSpan? timeout = null) =>
        Poll.UntilAsync<CommandInvocation>(
            async () =>
            {
                try
                {
                    var invocation = await Adapters.NodeCommands.GetInvocationAsync(node.Region, commandId, node.InstanceId, Token);
                    return invocation.IsTerminal ? invocation : null;
                }
                catch (NodeCommandNotFoundException)
                {
                    return null;
                }
            },
            timeout ?? TimeSpan.FromSeconds(60),
            $"command {commandId} on {node.Name}");

    /// <summary>Asserts a final status with the invocation in the message.</summary>
    protected static void AssertStatus(CommandStatus expected, int responseCode, CommandInvocation invocation)
    {
        ArgumentNullException.ThrowIfNull(invocation);
        Assert.True(
            invocation.Status == expected && invocation.ResponseCode == responseCode,
            $"expected {expected}/{responseCode}, got {invocation.Status}/{invocation.ResponseCode} ({invocation.StatusDetails})\n--- stdout\n{invocation.StandardOutput}\n--- stderr\n{invocation.StandardError}");
    }
}
