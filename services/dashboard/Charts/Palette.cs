namespace Moderation.Dashboard.Charts;

/// <summary>Series colours, told apart by people with the common colour-vision deficiencies (Okabe–Ito).</summary>
public static class Palette
{
    private static readonly string[] Colours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"];

    public static string Colour(int index) => Colours[index % Colours.Length];

    /// <summary>SVG numbers with a dot and two decimals, whatever the culture.</summary>
    public static string N(double value) => value.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
}
