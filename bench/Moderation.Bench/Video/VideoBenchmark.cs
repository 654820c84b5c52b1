using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Moderation.Bench.Extractor;
using Moderation.Bench.Load;
using Moderation.Bench.Stack;
using Moderation.Testing;

namespace Moderation.Bench.Video;

/// <summary>
/// One long video, two ways, in one run: (a) the OpenCV loop a user would write (<c>opencv-loop.py</c> under Debian's
/// python3-opencv: <c>VideoCapture.read</c> every frame, keep one per 5 s), and (b) the same video submitted through the
/// running cluster (the stack scripts/up started), timed from ingest's acceptance to the verdict in the results
/// database (server timestamps). The video is the extractor benchmark's generated 480p 30 fps H.264 one (cached).
/// <code>Moderation.Bench video [--minutes 32] [--stack &lt;repo root&gt;]</code>
/// </summary>
internal static class VideoBenchmark
{
    // Debian's python3 (where python3-opencv installs cv2); another python3 may come first on PATH.
    private const string Python = "/usr/bin/python3";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<int> RunAsync(VideoSettings settings)
    {
        var minutes = settings.Minutes;
        var stack = RunningStack.Find(settings.Stack);
        var video = await ExtractorBenchmark.VideoAsync(minutes, 854, 480);
        Console.WriteLine($"video: {video} ({new FileInfo(video).Length / 1e6:0.#} MB, {minutes} min 854x480 30 fps H.264); stack {stack.Root}; {Environment.ProcessorCount} cores");

        var machineBefore = StackCpu.Take(stack);
        var opencvClock = Stopwatch.StartNew();
        var opencv = await OpenCvAsync(video);
        var opencvSnapshotSeconds = opencvClock.Elapsed.TotalSeconds;
        var opencvMachineSeconds = StackCpu.MachineMilliseconds(machineBefore, StackCpu.Take(stack)) / 1000;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(a) OpenCV {opencv.Opencv}: decoded {opencv.Decoded} frames, kept {opencv.Kept}, {opencv.Seconds:0.0} s ({opencv.CpuSeconds:0.0} CPU s)"));

        await RunningStack.WaitReadyAsync(TimeSpan.FromMinutes(3));
        var cluster = await ClusterAsync(stack, video, TimeSpan.FromMinutes(Math.Max(10, minutes)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"(b) cluster: upload {cluster.UploadSeconds:0.0} s, then acceptance → verdict {cluster.Seconds:0.0} s, {cluster.Frames} frames scored, {cluster.CpuSeconds:0.0} CPU s in the stack ({cluster.State})"));

        var finishedAt = DateTime.UtcNow;
        var markdown = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Whole-cluster video, {finishedAt:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, {minutes}-minute 854×480 30 fps H.264")
            .AppendLine()
            .AppendLine("| path | frames | time | CPU s |")
            .AppendLine("|---|---:|---:|---:|")
            .AppendLine(CultureInfo.InvariantCulture, $"| (a) OpenCV {opencv.Opencv} loop: read every frame, keep one per 5 s (decoding only, no model); start to end of the loop | {opencv.Kept} of {opencv.Decoded} | {opencv.Seconds:0.0} s | {opencv.CpuSeconds:0.0} |")
            .AppendLine(CultureInfo.InvariantCulture, $"| (b) cluster: ingest acceptance → verdict in results (upload before it: {cluster.UploadSeconds:0.0} s) | {cluster.Frames} scored | {cluster.Seconds:0.0} s | {cluster.CpuSeconds:0.0} (stack) |")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"(a) / (b): {opencv.Seconds / cluster.Seconds:0.0}× in time (the cluster's verdict includes classification; the OpenCV loop's time does not), {opencv.CpuSeconds / cluster.CpuSeconds:0.0}× in CPU.")
            .AppendLine(CultureInfo.InvariantCulture, $"Machine busy during (a), Python start to exit: {opencvMachineSeconds:0.0} core-seconds of {opencvSnapshotSeconds * Environment.ProcessorCount:0.0}, of which the OpenCV loop {opencv.CpuSeconds:0.0}; during (b), upload to verdict: {cluster.MachineCpuSeconds:0.0} of {cluster.SnapshotSeconds * Environment.ProcessorCount:0.0}, of which the stack {cluster.CpuSeconds:0.0}.")
            .ToString();
        Console.WriteLine();
        Console.WriteLine(markdown);
        ResultFiles.Save("video", finishedAt, new { FinishedAt = finishedAt, Environment.ProcessorCount, Minutes = minutes, OpenCv = opencv, OpenCvMachineCpuSeconds = opencvMachineSeconds, Cluster = cluster }, markdown);
        return cluster.State == "completed" ? 0 : 1;
    }

    private sealed record OpenCvResult(int Decoded, int Kept, double LastKeptSeconds, double Seconds, double CpuSeconds, string Opencv);

    private sealed record ClusterResult(double UploadSeconds, double Seconds, long Frames, double CpuSeconds, double MachineCpuSeconds, double SnapshotSeconds, string State);

    private static async Task<OpenCvResult> OpenCvAsync(string video)
    {
        var script = Path.Combine(RepoPaths.Root, "bench", "Moderation.Bench", "Video", "opencv-loop.py");
        string output;
        try
        {
            output = await ProcessRunner.RunAsync(Python, [script, video, "5"], TimeSpan.FromMinutes(30));
        }
        catch (InvalidOperationException e) when (e.Message.Contains("No module named 'cv2'", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Debian's python3-opencv is missing: apt-get install python3-opencv (scripts/lib/deps.sh installs it).", e);
        }

        var json = output.Split('\n').Last(line => line.TrimStart().StartsWith('{'));
        return JsonSerializer.Deserialize<OpenCvResult>(json, Json)
            ?? throw new InvalidOperationException($"opencv-loop.py printed no result: {output}");
    }

    private static async Task<ClusterResult> ClusterAsync(RunningStack stack, string video, TimeSpan bound)
    {
        var upload = await UniqueCopyAsync(video);
        try
        {
            using var http = stack.Client(RunningStack.Ingest, TimeSpan.FromMinutes(10));
            using var stop = new CancellationTokenSource(bound);
            var before = StackCpu.Take(stack);
            var clock = Stopwatch.StartNew();
            var id = await MediaUploads.SubmitAsync(http, Path.GetFileName(video), () => File.OpenRead(upload), stop.Token)
                ?? throw new InvalidOperationException("Ingest did not accept the video.");
            var uploaded = clock.Elapsed;
            var outcome = await MediaUploads.WaitForVerdictsAsync(stack.ResultsDatabase, [id], stop.Token, TimeSpan.FromSeconds(1));
            var after = StackCpu.Take(stack);
            var cpu = StackCpu.Between(before, after).Sum(u => u.Milliseconds ?? double.NaN) / 1000;
            var state = outcome.Verdicts == 1 ? "completed" : outcome.Failures == 1 ? "failed" : "no verdict within the bound";
            return new ClusterResult(uploaded.TotalSeconds, outcome.LatenciesMs.Count == 1 ? outcome.LatenciesMs[0] / 1000 : double.NaN, outcome.Frames, cpu, StackCpu.MachineMilliseconds(before, after) / 1000, clock.Elapsed.TotalSeconds, state);
        }
        finally
        {
            File.Delete(upload);
        }
    }

    /// <summary>
    /// A copy with a trailing MP4 <c>free</c> box naming this run: the same video, bytes never seen before, so ingest's
    /// de-duplication by SHA-256 does not answer a re-run from the earlier verdict.
    /// </summary>
    private static async Task<string> UniqueCopyAsync(string video)
    {
        var directory = Path.Combine(RepoPaths.Root, ".cache", "bench");
        Directory.CreateDirectory(directory);
        var copy = Path.Combine(directory, $"video-upload-{Guid.NewGuid():N}.mp4");
        File.Copy(video, copy);
        var payload = Encoding.ASCII.GetBytes($"moderation-bench {DateTime.UtcNow:O} {Guid.NewGuid():N}");
        var box = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(box, (uint)box.Length);
        "free"u8.CopyTo(box.AsSpan(4));
        payload.CopyTo(box, 8);
        await using (var stream = new FileStream(copy, FileMode.Append))
        {
            await stream.WriteAsync(box);
        }

        return copy;
    }
}
