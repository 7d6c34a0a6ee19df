using EfsDr.LocalCloud.Ec2;
using EfsDr.LocalCloud.Efs;
using EfsDr.LocalCloud.Lambda;
using EfsDr.LocalCloud.Route53;
using EfsDr.LocalCloud.Ssm;
using EfsDr.LocalCloud.StepFunctions;

namespace EfsDr.LocalCloud.Hosting;

/// <summary>What every emulator shares: options, clock, faults, folders, the endpoint, and the other emulators.</summary>
public sealed class LocalCloudContext
{
    internal LocalCloudContext(LocalCloudOptions options, SimClock clock, FaultInjector faults, string root, string repositoryRoot)
    {
        Options = options;
        Clock = clock;
        Faults = faults;
        Root = root;
        RepositoryRoot = repositoryRoot;
    }

    /// <summary>The options.</summary>
    public LocalCloudOptions Options { get; }

    /// <summary>The simulated clock.</summary>
    public SimClock Clock { get; }

    /// <summary>What happened physically (deletions, node commands, DNS changes), on <see cref="Clock"/>.</summary>
    public PhysicalTimeline Timeline { get; } = new();

    /// <summary>The fault injector.</summary>
    public FaultInjector Faults { get; }

    /// <summary>The cloud's working folder (file system data, node sandboxes).</summary>
    public string Root { get; }

    /// <summary>The repository root (node/, statemachine/, node_modules/).</summary>
    public string RepositoryRoot { get; }

    /// <summary>The cloud's endpoint, once listening (http://127.0.0.1:PORT/).</summary>
    public Uri Endpoint { get; internal set; } = new("http://127.0.0.1:0/");

    /// <summary>EFS.</summary>
    public EfsEmulator Efs { get; internal set; } = null!;

    /// <summary>Route 53.</summary>
    public Route53Emulator Route53 { get; internal set; } = null!;

    /// <summary>EC2.</summary>
    public Ec2Emulator Ec2 { get; internal set; } = null!;

    /// <summary>SSM (Run Command, instance information, Parameter Store) and the simulated nodes.</summary>
    public SsmEmulator Ssm { get; internal set; } = null!;

    /// <summary>Lambda Invoke, dispatched to EfsDr's handlers.</summary>
    public LambdaEmulator Lambda { get; internal set; } = null!;

    /// <summary>Step Functions, run by aws-local-stepfunctions.</summary>
    public StepFunctionsEmulator StepFunctions { get; internal set; } = null!;

    /// <summary>The process environment a client of this cloud needs: endpoint and dummy credentials.</summary>
    public IReadOnlyDictionary<string, string> ClientEnvironment => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["AWS_ENDPOINT_URL"] = Endpoint.ToString().TrimEnd('/'),
        ["AWS_ACCESS_KEY_ID"] = "local",
        ["AWS_SECRET_ACCESS_KEY"] = "local",
        ["AWS_REGION"] = "us-east-1",
    };
}
