namespace EfsDr.Functions;

/// <summary>The bootstrap: composition root and runtime loop (filled in by the handlers work).</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static Task<int> Main() => Task.FromResult(0);
}
