using Microsoft.Extensions.Options;

namespace Moderation.Classifier;

/// <summary>Checks what data annotations cannot: that the manifest exists where the options say.</summary>
internal sealed class ClassifierOptionsValidator : IValidateOptions<ClassifierOptions>
{
    public ValidateOptionsResult Validate(string? name, ClassifierOptions options)
    {
        if (!string.IsNullOrWhiteSpace(options.ManifestPath) && !File.Exists(options.ManifestPath))
        {
            return ValidateOptionsResult.Fail(
                $"Classifier:ManifestPath '{options.ManifestPath}' does not exist. Produce the model with tools/model-import (scripts/model) or point the option at its model.json.");
        }

        if (!string.IsNullOrWhiteSpace(options.EscalationManifestPath) && !File.Exists(options.EscalationManifestPath))
        {
            return ValidateOptionsResult.Fail(
                $"Classifier:EscalationManifestPath '{options.EscalationManifestPath}' does not exist. Produce the model with tools/model-import (scripts/model inception_v3) or leave the option empty.");
        }

        return ValidateOptionsResult.Success;
    }
}
