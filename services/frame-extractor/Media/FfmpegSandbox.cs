using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using Moderation.FrameExtractor.Options;

namespace Moderation.FrameExtractor.Media;

/// <summary>
/// Starts ffprobe/ffmpeg the only way this service does: under prlimit (address space, CPU seconds, no core files, no
/// files written), with an empty environment (no FFREPORT or proxy variables), in a scratch working directory, and with
/// the input restricted to the file protocol and the whitelisted demuxers.
/// </summary>
public sealed class FfmpegSandbox(IOptions<FfmpegOptions> options)
{
    private static readonly string[] PassedEnvironment = ["PATH", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES"];

    public FfmpegOptions Options => options.Value;

    /// <summary>
    /// Input options every run puts before <c>-i</c>: nothing but local files, nothing but the whitelisted demuxers, and
    /// (strict decoding) errors detected rather than concealed.
    /// </summary>
    public IEnumerable<string> InputRestrictions() =>
        Options.StrictDecoding
            ? ["-protocol_whitelist", "file", "-format_whitelist", string.Join(',', Options.EffectiveFormats), "-err_detect", "crccheck+bitstream+buffer+explode"]
            : ["-protocol_whitelist", "file", "-format_whitelist", string.Join(',', Options.EffectiveFormats)];

    public ProcessStartInfo StartInfo(string tool, IEnumerable<string> arguments, string workingDirectory)
    {
        var o = Options;
        var binary = tool == "ffprobe" ? o.FfprobePath : o.FfmpegPath;
        ProcessStartInfo info;
        if (string.IsNullOrEmpty(o.PrlimitPath))
        {
            info = new ProcessStartInfo(binary);
        }
        else
        {
            info = new ProcessStartInfo(o.PrlimitPath);
            if (o.MemoryLimitMegabytes > 0)
            {
                info.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--as={(long)o.MemoryLimitMegabytes * 1024 * 1024}"));
            }

            // SIGXCPU at the soft limit lets ffmpeg exit saying why; the hard limit a little later is SIGKILL.
            info.ArgumentList.Add(string.Create(CultureInfo.InvariantCulture, $"--cpu={o.CpuSecondsPerProcess}:{o.CpuSecondsPerProcess + 5}"));
            info.ArgumentList.Add("--core=0");
            info.ArgumentList.Add("--fsize=0");
            info.ArgumentList.Add("--");
            info.ArgumentList.Add(binary);
        }

        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        info.WorkingDirectory = workingDirectory;
        info.Environment.Clear();
        foreach (var name in PassedEnvironment)
        {
            if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
            {
                info.Environment[name] = value;
            }
        }

        info.Environment["LC_ALL"] = "C";
        return info;
    }

    /// <summary>Starts a sandboxed process; stdin is closed at once (ffmpeg must never wait for a keypress).</summary>
    public SandboxedProcess Start(string tool, IEnumerable<string> arguments, string workingDirectory)
    {
        var process = Process.Start(StartInfo(tool, arguments, workingDirectory))
            ?? throw new InvalidOperationException($"Could not start {tool}.");
        process.StandardInput.Close();
        return new SandboxedProcess(process);
    }

    /// <summary>
    /// Runs a tool to completion within <paramref name="timeout"/>. Each stdout line goes to <paramref name="onLine"/> when
    /// given (return false to stop the tool early); otherwise stdout is collected up to <paramref name="maxOutputChars"/>.
    /// </summary>
    public async Task<ToolResult> RunAsync(string tool, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout,
        CancellationToken cancellationToken, Func<string, bool>? onLine = null, int maxOutputChars = 8 * 1024 * 1024)
    {
        using var run = Start(tool, arguments, workingDirectory);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var stderr = ReadTailAsync(run.Error, 40);
        var output = new System.Text.StringBuilder();
        var stopped = false;
        try
        {
            while (await run.Process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                if (onLine is not null)
                {
                    if (!onLine(line))
                    {
                        stopped = true;
                        run.Kill();
                        break;
                    }
                }
                else if (output.Length + line.Length > maxOutputChars)
                {
                    stopped = true;
                    run.Kill();
                    break;
                }
                else
                {
                    output.Append(line).Append('\n');
                }
            }

            await run.Process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            run.Kill();
            return new ToolResult(-1, output.ToString(), await stderr, TimedOut: true, stopped);
        }

        return new ToolResult(run.Process.ExitCode, output.ToString(), await stderr, TimedOut: false, stopped);
    }

    /// <summary>
    /// Reads stderr to its end, keeping the last <paramref name="keep"/> lines (ffmpeg can be chatty on hostile input)
    /// that <paramref name="consume"/> did not take for itself.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ReadTailAsync(StreamReader reader, int keep, Func<string, bool>? consume = null)
    {
        var tail = new Queue<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            if (consume?.Invoke(line) == true)
            {
                continue;
            }

            if (tail.Count == keep)
            {
                tail.Dequeue();
            }

            tail.Enqueue(line);
        }

        return tail.ToList();
    }
}

/// <summary>A running ffmpeg/ffprobe; disposing kills it if it still runs, so no decoder outlives its medium.</summary>
public sealed class SandboxedProcess(Process process) : IDisposable
{
    /// <summary>Killed by SIGXCPU: the soft CPU-seconds limit was reached.</summary>
    public const int CpuLimitExitCode = 128 + 24;

    /// <summary>Killed by SIGKILL: the hard CPU-seconds limit was reached (our own kills happen only on cancellation).</summary>
    public const int KilledExitCode = 128 + 9;

    public Process Process { get; } = process;

    public Stream Output => Process.StandardOutput.BaseStream;

    public StreamReader Error => Process.StandardError;

    public void Kill()
    {
        try
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        Process.Dispose();
    }
}

/// <summary>How a run to completion ended: exit code, stdout (unless streamed), the tail of stderr.</summary>
public sealed record ToolResult(int ExitCode, string Output, IReadOnlyList<string> Error, bool TimedOut, bool StoppedEarly);
