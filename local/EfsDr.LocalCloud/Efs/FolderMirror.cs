namespace EfsDr.LocalCloud.Efs;

/// <summary>
/// Makes a destination folder match a source folder, as an EFS replication sync does: new and changed files are copied
/// (changed = other length or last-write time), files and folders gone from the source are deleted. Each file lands by
/// an atomic rename from a staging folder, so a reader of the destination never sees half a file.
/// </summary>
internal static class FolderMirror
{
    private static readonly EnumerationOptions All = new() { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };

    /// <summary>Mirrors <paramref name="source"/> into <paramref name="destination"/>; false when some file could not be copied or removed
    /// (it is tried again by the next sync).</summary>
    public static bool Mirror(string source, string destination, string staging)
    {
        Directory.CreateDirectory(source);
        Directory.CreateDirectory(destination);
        Directory.CreateDirectory(staging);
        var complete = true;
        var directories = new HashSet<string>(StringComparer.Ordinal);
        var files = new HashSet<string>(StringComparer.Ordinal);

        foreach (var dir in Directory.EnumerateDirectories(source, "*", All))
        {
            var relative = Path.GetRelativePath(source, dir);
            directories.Add(relative);
            complete &= Try(() =>
            {
                var target = Path.Combine(destination, relative);
                if (File.Exists(target))
                {
                    File.Delete(target);
                }

                Directory.CreateDirectory(target);
            });
        }

        foreach (var file in Directory.EnumerateFiles(source, "*", All))
        {
            var relative = Path.GetRelativePath(source, file);
            files.Add(relative);
            complete &= Try(() => CopyIfChanged(file, Path.Combine(destination, relative), staging));
        }

        // Deepest paths first, so a folder is empty by the time it is removed.
        foreach (var file in Directory.EnumerateFiles(destination, "*", All).Where(f => !files.Contains(Path.GetRelativePath(destination, f))).ToList())
        {
            complete &= Try(() => File.Delete(file));
        }

        foreach (var dir in Directory.EnumerateDirectories(destination, "*", All).Where(d => !directories.Contains(Path.GetRelativePath(destination, d))).OrderByDescending(d => d.Length).ToList())
        {
            complete &= Try(() => Directory.Delete(dir, recursive: true));
        }

        return complete;
    }

    private static void CopyIfChanged(string file, string target, string staging)
    {
        var source = new FileInfo(file);
        var existing = new FileInfo(target);
        var modified = source.LastWriteTimeUtc;
        if (existing.Exists && existing.Length == source.Length && existing.LastWriteTimeUtc == modified)
        {
            return;
        }

        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }

        var temporary = Path.Combine(staging, Guid.NewGuid().ToString("N"));
        try
        {
            using (var input = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                input.CopyTo(output);
            }

            // The source's time as it was before the copy: a file changed meanwhile differs and is copied again next time.
            File.SetLastWriteTimeUtc(temporary, modified);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private static bool Try(Action action)
    {
        try
        {
            action();
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
