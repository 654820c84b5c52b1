using Moderation.ModelImport.Source;

namespace Moderation.ModelImport.Tests.Infrastructure;

/// <summary>
/// Safe-for-work test pictures, made once per run: ffmpeg test patterns, colour, noise and text, plus pictures from
/// Debian's gnome-backgrounds and openclipart-png. JPEG and PNG, from 224×224 (no resize) up to 1920×1080, landscape
/// and portrait, RGB, palette and grey+alpha, so decoding and resizing are exercised as well as the network. Every
/// generator is seeded or fixed, so a run sees the same pixels as the last.
/// </summary>
internal static class ParityImages
{
    private const string Backgrounds = "/usr/share/backgrounds/gnome";
    private const string ClipArt = "/usr/share/openclipart/png";
    private const string Font = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";

    private static readonly Lazy<Task<IReadOnlyList<string>>> Images = new(GenerateAsync);

    public static Task<IReadOnlyList<string>> GetAsync() => Images.Value;

    private static async Task<IReadOnlyList<string>> GenerateAsync()
    {
        var directory = Directory.CreateTempSubdirectory("parity-images-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(directory, recursive: true);

        (string Name, string[] Input, string? Filter)[] generated =
        [
            ("testsrc2.jpg", ["-f", "lavfi", "-i", "testsrc2=size=640x480"], null),
            ("testsrc2-444.jpg", ["-f", "lavfi", "-i", "testsrc2=size=640x480"], "format=yuvj444p"),
            ("testsrc.png", ["-f", "lavfi", "-i", "testsrc=size=320x240"], null),
            ("smptebars.jpg", ["-f", "lavfi", "-i", "smptebars=size=1280x720"], null),
            ("smptehdbars.jpg", ["-f", "lavfi", "-i", "smptehdbars=size=1920x1080"], null),
            ("rgbtestsrc-224.png", ["-f", "lavfi", "-i", "rgbtestsrc=size=224x224"], null),
            ("yuvtestsrc-299.png", ["-f", "lavfi", "-i", "yuvtestsrc=size=299x299"], null),
            ("mandelbrot.jpg", ["-f", "lavfi", "-i", "mandelbrot=size=500x500"], null),
            ("red.png", ["-f", "lavfi", "-i", "color=c=red:size=300x200"], null),
            ("noise.png", ["-f", "lavfi", "-i", "color=c=gray:size=400x300"], "noise=alls=90:allf=u"),
            ("gradients.jpg", ["-f", "lavfi", "-i", "gradients=size=800x600:c0=orange:c1=navy:c2=teal:nb_colors=3:x0=0:y0=0:x1=799:y1=599:seed=7"], null),
            ("cellauto.png", ["-f", "lavfi", "-i", "cellauto=size=400x400:rule=110:seed=5"], null),
            ("sierpinski.jpg", ["-f", "lavfi", "-i", "sierpinski=size=480x480:seed=3"], null),
            ("pal75bars-tall.jpg", ["-f", "lavfi", "-i", "pal75bars=size=360x640"], null),
            ("text.jpg", ["-f", "lavfi", "-i", "color=c=white:size=640x360"], $"drawtext=fontfile={Font}:text='Moderation test card':fontsize=48:fontcolor=navy:x=40:y=150"),
        ];

        var images = new List<string>();
        foreach (var (name, input, filter) in generated)
        {
            images.Add(await FfmpegAsync(directory, name, input, filter));
        }

        // 4096×4096 WebP wallpapers, scaled and cropped to ordinary photo shapes and re-encoded as JPEG.
        (string Source, string Filter)[] wallpapers =
        [
            ("adwaita-l.webp", "scale=1024:768"),
            ("wood-d.webp", "scale=800:800"),
            ("pixels-l.webp", "scale=640:-1,crop=640:360"),
            ("truchet-d.webp", "scale=600:-1,crop=400:600"),
            ("licorice-l.webp", "scale=1280:-1,crop=1280:720"),
        ];
        foreach (var (source, filter) in wallpapers)
        {
            images.Add(await FfmpegAsync(directory, Path.ChangeExtension(source, ".jpg"), ["-i", Path.Combine(Backgrounds, source)], filter));
        }

        // Clip art as shipped: RGBA, grey+alpha and palette PNGs.
        string[] clipArt =
        [
            "animals/armadillo_architetto_fra_01.png",
            "food/apple_bitten_dan_gerhard_01.png",
            "buildings/carnegie_library_building_01.png",
            "electronics/antenna.png",
        ];
        foreach (var picture in clipArt)
        {
            var target = Path.Combine(directory, Path.GetFileName(picture));
            File.Copy(Path.Combine(ClipArt, picture), target);
            images.Add(target);
        }

        return images;
    }

    private static async Task<string> FfmpegAsync(string directory, string name, string[] input, string? filter)
    {
        var output = Path.Combine(directory, name);
        string[] arguments = ["-v", "error", "-y", .. input, .. filter is null ? Array.Empty<string>() : ["-vf", filter], "-frames:v", "1", "-q:v", "3", output];
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await ExternalProcess.RunAsync("ffmpeg", arguments, directory, timeout.Token);
        return output;
    }
}
