using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EfsDr.Drill.Chaos;

/// <summary>The clients that keep writing between rounds: each writes small objects with random content through the
/// record's address (read afresh for every object, as a client resolving the name would) and reports each ACKNOWLEDGED
/// write to the ledger, on the cloud's simulated clock. A write that fails is not acknowledged, so not in the ledger.</summary>
public sealed class ChaosWriters(DrillWorld world, ObjectLedger ledger)
{
    /// <summary>The bucket the writers write into.</summary>
    public const string Bucket = "chaos";

    private int _failed;

    /// <summary>Writes that were not acknowledged.</summary>
    public int Failed => Volatile.Read(ref _failed);

    /// <summary>Creates the bucket at the record's address.</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        using var s3 = await world.S3AtRecordAsync(cancellationToken).ConfigureAwait(false);
        await s3.EnsureBucketAsync(Bucket, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The objects of one burst, drawn from <paramref name="random"/> before anything runs, so that the same seed
    /// writes the same keys and contents whatever the writers' interleaving: per writer, 2–5 objects of 16–256 random bytes
    /// (hex).</summary>
    public static IReadOnlyList<IReadOnlyList<(string Key, string Content)>> Plan(int round, int writers, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var plan = new List<IReadOnlyList<(string, string)>>();
        for (var w = 0; w < writers; w++)
        {
            var count = random.Next(2, 6);
            var objects = new List<(string, string)>();
            for (var i = 0; i < count; i++)
            {
                var bytes = new byte[random.Next(16, 257)];
                random.NextBytes(bytes);
                objects.Add((string.Create(CultureInfo.InvariantCulture, $"r{round:D4}-w{w}-{i}.txt"), Convert.ToHexStringLower(bytes)));
            }

            plan.Add(objects);
        }

        return plan;
    }

    /// <summary>Runs the writers of one burst concurrently; returns how many writes were acknowledged.</summary>
    public async Task<int> WriteAsync(IReadOnlyList<IReadOnlyList<(string Key, string Content)>> plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var counts = await Task.WhenAll(plan.Select(objects => WriterAsync(objects, cancellationToken))).ConfigureAwait(false);
        return counts.Sum();
    }

    private async Task<int> WriterAsync(IReadOnlyList<(string Key, string Content)> objects, CancellationToken cancellationToken)
    {
        var acknowledged = 0;
        foreach (var (key, content) in objects)
        {
            try
            {
                using var s3 = await world.S3AtRecordAsync(cancellationToken).ConfigureAwait(false);
                await s3.PutAsync(Bucket, key, content, cancellationToken).ConfigureAwait(false);
                // Taken once the PUT is acknowledged, on the clock the run summaries' windows use.
                ledger.Acknowledged(new LedgerEntry(Bucket, key, ObjectLedger.Sha256Of(content), world.Cloud.Context.Clock.GetUtcNow(), s3.Address));
                acknowledged++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Interlocked.Increment(ref _failed);
            }
        }

        return acknowledged;
    }
}
