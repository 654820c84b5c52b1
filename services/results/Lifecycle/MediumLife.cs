using Moderation.Contracts.V1;
using Moderation.Results.Data;
using Moderation.Results.Policies;

namespace Moderation.Results.Lifecycle;

/// <summary>
/// What the lifecycle knows of one medium: its row, its running class maxima, the (frame, model version) pairs already
/// stored that the frames at hand could repeat, the models that scored its frames, and — for an open video or animation,
/// whose verdict looks at time — every sampled frame's scores. <see cref="MediumLifecycle"/>
/// changes it in place; the caller loaded it and saves it.
/// </summary>
public sealed class MediumLife
{
    private readonly HashSet<(int FrameIndex, string ModelVersion)> storedFrames;
    private readonly HashSet<int> scoredFrames;

    public MediumLife(
        Medium medium,
        IEnumerable<ClassMaximumRow>? maxima = null,
        IEnumerable<(int FrameIndex, string ModelVersion)>? storedFrames = null,
        IEnumerable<(string Name, string Version)>? models = null,
        IEnumerable<string>? configurations = null,
        int escalatedFrames = 0,
        IEnumerable<MediumMatch>? matches = null,
        IEnumerable<FrameSample>? frames = null)
    {
        Medium = medium;
        Maxima = (maxima ?? []).ToDictionary(c => c.ClassName, StringComparer.Ordinal);
        this.storedFrames = [.. storedFrames ?? []];
        scoredFrames = [.. this.storedFrames.Select(f => f.FrameIndex)];
        Models = [.. models ?? []];
        Configurations = [.. configurations ?? []];
        EscalatedFrames = escalatedFrames;
        Matches = [.. matches ?? []];
        foreach (var frame in frames ?? [])
        {
            AddFrame(frame.FrameIndex, frame.TimestampSeconds, frame.Scores);
        }
    }

    public Medium Medium { get; }

    /// <summary>Running maximum per class; rows of classes seen before are the stored ones, changed in place.</summary>
    public Dictionary<string, ClassMaximumRow> Maxima { get; }

    /// <summary>Name and version of every model that scored a frame of the medium (loaded for open media only: a verdict names them).</summary>
    public HashSet<(string Name, string Version)> Models { get; }

    /// <summary>The model configurations that scored its frames (loaded for open media only, like <see cref="Models"/>).</summary>
    public HashSet<string> Configurations { get; }

    /// <summary>Frames the cascade re-scored with its second model (open media only).</summary>
    public int EscalatedFrames { get; private set; }

    /// <summary>Counts a newly stored frame's configuration and rule.</summary>
    public void Scored(string? configuration, string? rule)
    {
        if (configuration is not null)
        {
            Configurations.Add(configuration);
        }

        if (rule == Contracts.V1.ScoreRules.Escalated)
        {
            EscalatedFrames++;
        }
    }

    /// <summary>The medium's frames that matched a hash bank, stored and new.</summary>
    public List<MediumMatch> Matches { get; }

    /// <summary>The scored samples by frame index, each with the highest score any model gave each class.</summary>
    public Dictionary<int, FrameSample> Frames { get; } = [];

    /// <summary>
    /// Whether the verdict looks at time (<see cref="TemporalJudgement"/>): a video or an animation, or a medium whose
    /// kind is not known yet but which has more than one sample.
    /// </summary>
    public bool IsMoving => Medium.Kind is MediaKind.Video or MediaKind.Animation
        || (Medium.Kind is null && (Medium.ExpectedFrames ?? Medium.PlannedFrames ?? Frames.Count) > 1);

    /// <summary>Folds one model's scores of a frame into its sample.</summary>
    public void AddFrame(int frameIndex, double timestampSeconds, IReadOnlyDictionary<string, float> scores)
    {
        if (Frames.TryGetValue(frameIndex, out var known))
        {
            var merged = new Dictionary<string, float>(known.Scores, StringComparer.Ordinal);
            foreach (var (cls, score) in scores)
            {
                merged[cls] = merged.TryGetValue(cls, out var before) ? Math.Max(before, score) : score;
            }

            Frames[frameIndex] = known with { Scores = merged };
        }
        else
        {
            Frames[frameIndex] = new FrameSample(frameIndex, timestampSeconds, scores);
        }
    }

    /// <summary>Maxima a policy can judge: classes seen with a finite score.</summary>
    public IEnumerable<ClassMaximumRow> FiniteMaxima => Maxima.Values.Where(c => float.IsFinite(c.Score));

    /// <summary>Claims the key of a frame's scores; false when it is stored already (a redelivery).</summary>
    /// <param name="firstOfFrame">True when no model version had scored this frame index before.</param>
    public bool TryClaim(int frameIndex, string modelVersion, out bool firstOfFrame)
    {
        if (!storedFrames.Add((frameIndex, modelVersion)))
        {
            firstOfFrame = false;
            return false;
        }

        firstOfFrame = scoredFrames.Add(frameIndex);
        return true;
    }
}
