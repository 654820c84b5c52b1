using System.Text.Json;
using System.Xml.Linq;
using Moderation.Testing;
using Xunit;

namespace Moderation.Deploy.Tests;

/// <summary>
/// The GPU image is built with <c>-p:OnnxRuntimeFlavor=Gpu</c>. The registry serves the CUDA package at other versions
/// than the CPU one, so a shared version once made that restore fail while every CPU build passed; this restores the GPU
/// flavour for real, with the repository's central package versions, in a scratch project (restoring the classifier
/// itself would rewrite the obj folders of the CPU build this suite runs on).
/// </summary>
public sealed class GpuFlavourTests
{
    [Fact]
    public async Task Gpu_flavour_restores_with_the_central_package_versions()
    {
        var props = XDocument.Load(Path.Combine(RepoPaths.Root, "Directory.Packages.props"));
        var gpuVersion = props.Descendants("OnnxRuntimeGpuVersion").Single().Value;
        var classifier = File.ReadAllText(Path.Combine(RepoPaths.Root, "services", "classifier", "Moderation.Classifier.csproj"));
        Assert.Contains("<PackageReference Include=\"Microsoft.ML.OnnxRuntime.Gpu\" />", classifier, StringComparison.Ordinal);

        var directory = Directory.CreateTempSubdirectory("gpu-restore-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "Directory.Packages.props"),
                $"<Project><Import Project=\"{Path.Combine(RepoPaths.Root, "Directory.Packages.props")}\" /></Project>");
            await File.WriteAllTextAsync(Path.Combine(directory.FullName, "Probe.csproj"), """
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
                  <ItemGroup><PackageReference Include="Microsoft.ML.OnnxRuntime.Gpu" /></ItemGroup>
                </Project>
                """);

            await ProcessRunner.RunAsync("dotnet", ["restore", "Probe.csproj", "-p:OnnxRuntimeFlavor=Gpu", "-nologo"], TimeSpan.FromMinutes(10), directory.FullName);

            using var assets = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory.FullName, "obj", "project.assets.json")));
            var libraries = assets.RootElement.GetProperty("libraries").EnumerateObject().Select(p => p.Name).ToList();
            Assert.Contains($"Microsoft.ML.OnnxRuntime.Gpu/{gpuVersion}", libraries);
            Assert.Contains($"Microsoft.ML.OnnxRuntime.Gpu.Linux/{gpuVersion}", libraries);
            Assert.Contains($"Microsoft.ML.OnnxRuntime.Managed/{gpuVersion}", libraries);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}
