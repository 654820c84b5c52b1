using System.Globalization;
using Moderation.Testing;

namespace Moderation.Bench.Stack;

/// <summary>
/// CPU time of each part of a running stack, from /proc, the way /work/shared/tools/cpu-per-medium counts it
/// (utime + stime + cutime + cstime, so children that already ended count too), but found precisely: the services by
/// the pid files scripts/up writes, RabbitMQ by its pid file, PostgreSQL as the postmaster and every backend under it.
/// The frame extractor's children (ffmpeg, ffprobe) are split out of it: their ticks are its cutime + cstime plus
/// those of children still running at the snapshot.
/// </summary>
internal static class StackCpu
{
    public const string FfmpegChildren = "ffmpeg/ffprobe";
    public static readonly IReadOnlyList<string> Parts =
        [RunningStack.Ingest, RunningStack.FrameExtractor, FfmpegChildren, RunningStack.Classifier, RunningStack.Results, "rabbitmq", "postgres"];

    private static readonly Lazy<double> TicksPerSecond = new(() =>
        double.Parse(ProcessRunner.RunAsync("getconf", ["CLK_TCK"]).GetAwaiter().GetResult().Trim(), CultureInfo.InvariantCulture));

    /// <summary>
    /// Ticks per part, the process id each part was measured on (a changed id means a restart in between), and the
    /// busy ticks of the whole machine (/proc/stat), so a run can say how much CPU went to processes outside the stack.
    /// </summary>
    public sealed record Snapshot(IReadOnlyDictionary<string, long> Ticks, IReadOnlyDictionary<string, int> Pids, long MachineBusyTicks);

    /// <summary>CPU milliseconds spent by one part between two snapshots; null when its process changed (restarted) or was missing.</summary>
    public sealed record Usage(string Part, double? Milliseconds);

    public static Snapshot Take(RunningStack stack)
    {
        var processes = ReadAll();
        var ticks = new Dictionary<string, long>();
        var pids = new Dictionary<string, int>();
        foreach (var service in new[] { RunningStack.Ingest, RunningStack.FrameExtractor, RunningStack.Classifier, RunningStack.Results })
        {
            if (stack.ProcessId(service) is not { } pid || !processes.TryGetValue(pid, out var p))
            {
                continue;
            }

            pids[service] = pid;
            var children = p.Children + processes.Values.Where(c => c.ParentId == pid).Sum(c => c.Own + c.Children);
            if (service == RunningStack.FrameExtractor)
            {
                ticks[service] = p.Own;
                ticks[FfmpegChildren] = children;
                pids[FfmpegChildren] = pid;
            }
            else
            {
                ticks[service] = p.Own + children;
            }
        }

        if (PidFromFile(Path.Combine(stack.ServersDirectory, "rabbitmq", "pid")) is { } beam && processes.TryGetValue(beam, out var broker))
        {
            pids["rabbitmq"] = beam;
            ticks["rabbitmq"] = broker.Own + broker.Children + processes.Values.Where(c => c.ParentId == beam).Sum(c => c.Own + c.Children);
        }

        if (PidFromFile(Path.Combine(stack.ServersDirectory, "postgres", "data", "postmaster.pid")) is { } postmaster && processes.TryGetValue(postmaster, out var pg))
        {
            pids["postgres"] = postmaster;
            ticks["postgres"] = pg.Own + pg.Children + processes.Values.Where(c => c.ParentId == postmaster).Sum(c => c.Own + c.Children);
        }

        return new Snapshot(ticks, pids, MachineBusyTicks());
    }

    /// <summary>CPU milliseconds the whole machine spent busy between two snapshots (every core, every process).</summary>
    public static double MachineMilliseconds(Snapshot before, Snapshot after) => (after.MachineBusyTicks - before.MachineBusyTicks) * 1000 / TicksPerSecond.Value;

    public static IReadOnlyList<Usage> Between(Snapshot before, Snapshot after) =>
        [.. Parts.Select(part => new Usage(part,
            before.Pids.TryGetValue(part, out var a) && after.Pids.TryGetValue(part, out var b) && a == b
                ? (after.Ticks[part] - before.Ticks[part]) * 1000 / TicksPerSecond.Value
                : null))];

    private sealed record ProcessTicks(int ParentId, long Own, long Children);

    private static Dictionary<int, ProcessTicks> ReadAll()
    {
        var all = new Dictionary<int, ProcessTicks>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                // Fields after the command name in parentheses (which may itself hold spaces): state ppid … utime(11) stime cutime cstime.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                all[pid] = new ProcessTicks(int.Parse(f[1], CultureInfo.InvariantCulture),
                    long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture),
                    long.Parse(f[13], CultureInfo.InvariantCulture) + long.Parse(f[14], CultureInfo.InvariantCulture));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }

        return all;
    }

    /// <summary>user + nice + system + irq + softirq + steal of the first line of /proc/stat (all cores).</summary>
    private static long MachineBusyTicks()
    {
        var f = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return new[] { 1, 2, 3, 6, 7, 8 }.Sum(i => long.Parse(f[i], CultureInfo.InvariantCulture));
    }

    private static int? PidFromFile(string path)
    {
        try
        {
            return File.Exists(path) && int.TryParse(File.ReadLines(path).FirstOrDefault()?.Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
