namespace EfsDr.LocalCloud.Tests.Support;

/// <summary>Tests that start Node engine processes run one class at a time (each process costs a second of CPU).</summary>
[CollectionDefinition(Name)]
public sealed class SfnEngineGroup
{
    public const string Name = "Step Functions engine";
}
