using Moderation.Model;

namespace Moderation.FrameExtractor.Media;

/// <summary>The size frames are scaled to: the model's input, read from its manifest (never hard-coded).</summary>
public sealed record FrameSize(int Width, int Height)
{
    public static FrameSize FromManifest(string manifestPath)
    {
        var input = ModelManifest.Load(manifestPath).Input;
        if (input.Width <= 0 || input.Height <= 0)
        {
            throw new InvalidDataException($"{manifestPath} declares an input of {input.Width}×{input.Height}.");
        }

        return new FrameSize(input.Width, input.Height);
    }
}
