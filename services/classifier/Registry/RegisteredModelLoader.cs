using System.Text.Json;
using Microsoft.Extensions.Options;
using Moderation.BlobStorage;
using Moderation.Classifier.Inference;
using Moderation.Contracts.Heads;
using Moderation.Contracts.V1;
using Moderation.Model;

namespace Moderation.Classifier.Registry;

/// <summary>
/// Turns a registered version into a <see cref="LoadedModel"/>: copies its <c>.onnx</c> from the shared blob store into
/// the worker's model cache, refuses it unless the bytes' SHA-256 is the registered one, opens its session and applies
/// its feedback head when the head fits the model.
/// </summary>
public sealed class RegisteredModelLoader(IBlobStore blobs, IOptions<ClassifierOptions> options, ClassifierMetrics metrics, ILoggerFactory loggers)
{
    private readonly ILogger logger = loggers.CreateLogger<RegisteredModelLoader>();

    /// <exception cref="ModelIntegrityException">The manifest, the bytes or the head do not match the registration.</exception>
    public async Task<LoadedModel> LoadAsync(RegisteredModel registration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(registration);
        var settings = options.Value;
        var manifest = JsonSerializer.Deserialize<ModelManifest>(registration.ManifestJson, ModelManifest.JsonOptions)
            ?? throw new ModelIntegrityException($"{registration.Name} {registration.Version} has an empty manifest.");
        if (!string.Equals(manifest.Sha256, registration.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelIntegrityException($"{registration.Name} {registration.Version}: the manifest's SHA-256 is not the registered one.");
        }

        // Content-addressed: a version whose bytes are already here (verified below) is not copied again.
        var directory = Directory.CreateDirectory(Path.Combine(settings.EffectiveModelCacheDirectory, registration.Sha256.ToLowerInvariant())).FullName;
        var manifestPath = Path.Combine(directory, "model.json");
        var modelPath = Path.Combine(directory, Path.GetFileName(manifest.File));
        manifest.Save(manifestPath);
        if (!File.Exists(modelPath) || !string.Equals(ModelManifest.ComputeSha256(modelPath), registration.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            await DownloadAsync(registration, modelPath, cancellationToken);
        }

        try
        {
            manifest.VerifiedModelPath(manifestPath);
        }
        catch (ModelIntegrityException)
        {
            File.Delete(modelPath);
            throw;
        }

        var classifier = new OnnxFrameClassifier(manifestPath, settings, metrics, loggers.CreateLogger<OnnxFrameClassifier>());
        try
        {
            var head = registration.HeadJson is null ? null : Head(registration, classifier.Model);
            classifier.WarmUp();
            logger.LogInformation("Registered model {RegistryName} {RegistryVersion} loaded ({ModelName} {ModelVersion}, sha256 {Sha256}, head {HeadVersion})",
                registration.Name, registration.Version, manifest.Name, manifest.Version, registration.Sha256, registration.HeadVersion ?? "none");
            return new LoadedModel(registration, classifier, new FramePreprocessor(classifier.Model.Input, settings), head);
        }
        catch
        {
            classifier.Dispose();
            throw;
        }
    }

    private async Task DownloadAsync(RegisteredModel registration, string modelPath, CancellationToken cancellationToken)
    {
        await using var source = await blobs.OpenReadAsync(registration.BlobKey, cancellationToken)
            ?? throw new ModelIntegrityException($"{registration.Name} {registration.Version}: blob '{registration.BlobKey}' does not exist.");
        var partial = modelPath + $".{Guid.NewGuid():N}.partial";
        try
        {
            await using (var target = File.Create(partial))
            {
                await source.CopyToAsync(target, cancellationToken);
            }

            File.Move(partial, modelPath, overwrite: true);
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private static FeedbackHead.Applied Head(RegisteredModel registration, ModelManifest model)
    {
        HeadFile head;
        try
        {
            head = HeadFile.Parse(registration.HeadJson!);
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw new ModelIntegrityException($"{registration.Name} {registration.Version}: its head does not parse ({e.Message}).");
        }

        if (head.Incompatibility(model.Name, model.Version, model.Outputs.EmbeddingSize, [.. model.Classes]) is { } why)
        {
            throw new ModelIntegrityException($"{registration.Name} {registration.Version}: its head {head.Version} does not fit: {why}.");
        }

        var classes = model.Classes.ToList();
        return new FeedbackHead.Applied(head, [.. head.Classes.Select(c => classes.IndexOf(c.Class))]);
    }
}
