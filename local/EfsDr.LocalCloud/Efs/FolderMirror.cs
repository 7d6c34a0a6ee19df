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
    /// (it is tried again by the next sync), or when the copy stopped after <paramref name="maxFiles"/> written files (a sync cut
    /// off in flight). Each file written is added to <paramref name="written"/> (relative path).</summary>
    public static bool Mirror(string source, string destination, string staging, ICollection<string>? written = null, int? maxFiles = null)
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

        var copies = 0;
        foreach (var file in Directory.EnumerateFiles(source, "*", All))
        {
            var relative = Path.GetRelativePath(source, file);
            files.Add(relative);
            if (copies >= maxFiles)
            {
                // Cut off in flight: nothing more is copied or removed.
                return false;
            }

            complete &= Try(() =>
            {
                if (CopyIfChanged(file, Path.Combine(destination, relative), staging))
                {
                    copies++;
                    written?.Add(relative);
                }
            });
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

    /// <summary>The files under <paramref name="root"/> (relative path → length and last write time), as a sync left them.</summary>
    public static Dictionary<string, (long Length, DateTime Modified)> Manifest(string root)
    {
        var manifest = new Dictionary<string, (long, DateTime)>(StringComparer.Ordinal);
        foreach (var file in Directory.Exists(root) ? Directory.EnumerateFiles(root, "*", All) : [])
        {
            var info = new FileInfo(file);
            manifest[Path.GetRelativePath(root, file)] = (info.Length, info.LastWriteTimeUtc);
        }

        return manifest;
    }

    private static bool CopyIfChanged(string file, string target, string staging)
    {
        var source = new FileInfo(file);
        var existing = new FileInfo(target);
        var modified = source.LastWriteTimeUtc;
        if (existing.Exists && existing.Length == source.Length && existing.LastWriteTimeUtc == modified)
        {
            return false;
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
            return true;
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
