namespace Moderation.HeadTraining;

/// <summary>p = sigmoid(w·x + b) over raw embeddings (standardisation is folded into the weights).</summary>
public sealed record LogisticModel(float[] Weights, float Bias)
{
    public double Logit(ReadOnlySpan<float> x)
    {
        double z = Bias;
        for (var i = 0; i < Weights.Length; i++)
        {
            z += Weights[i] * x[i];
        }

        return z;
    }

    public double Probability(ReadOnlySpan<float> x) => Sigmoid(Logit(x));

    public static double Sigmoid(double z) => 1 / (1 + Math.Exp(-z));

    public static double LogitOf(double p)
    {
        var q = Math.Clamp(p, 1e-6, 1 - 1e-6);
        return Math.Log(q / (1 - q));
    }

    /// <summary>The same decision boundary moved so that the old threshold <paramref name="from"/> now sits at <paramref name="to"/>.</summary>
    public LogisticModel ShiftThreshold(double from, double to) => this with { Bias = (float)(Bias + LogitOf(to) - LogitOf(from)) };
}

public sealed record LogisticTraining(int Epochs = 400, double LearningRate = 0.05, double L2 = 1e-3);

/// <summary>
/// Binary logistic regression, full-batch Adam on standardised features with balanced class weights (reviewed
/// feedback is rarely balanced). Deterministic: the same data always gives the same head.
/// </summary>
public static class LogisticRegression
{
    public static LogisticModel Fit(IReadOnlyList<float[]> features, IReadOnlyList<bool> labels, LogisticTraining? training = null)
    {
        training ??= new LogisticTraining();
        var n = features.Count;
        if (n == 0 || n != labels.Count)
        {
            throw new ArgumentException("Features and labels must be non-empty and of equal length.", nameof(features));
        }

        var d = features[0].Length;
        var mean = new double[d];
        var std = new double[d];
        foreach (var x in features)
        {
            for (var j = 0; j < d; j++)
            {
                mean[j] += x[j];
            }
        }

        for (var j = 0; j < d; j++)
        {
            mean[j] /= n;
        }

        foreach (var x in features)
        {
            for (var j = 0; j < d; j++)
            {
                std[j] += (x[j] - mean[j]) * (x[j] - mean[j]);
            }
        }

        for (var j = 0; j < d; j++)
        {
            std[j] = Math.Sqrt(std[j] / n);
            if (std[j] < 1e-8)
            {
                std[j] = 1;
            }
        }

        var positives = labels.Count(l => l);
        var weightPositive = positives == 0 ? 1 : n / (2.0 * positives);
        var weightNegative = positives == n ? 1 : n / (2.0 * (n - positives));

        var w = new double[d];
        double b = 0;
        var mW = new double[d];
        var vW = new double[d];
        double mB = 0, vB = 0;
        const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
        var gradient = new double[d];
        var z = new double[d];
        for (var epoch = 1; epoch <= training.Epochs; epoch++)
        {
            Array.Clear(gradient);
            double gradientB = 0;
            double weightSum = 0;
            for (var i = 0; i < n; i++)
            {
                var x = features[i];
                var logit = b;
                for (var j = 0; j < d; j++)
                {
                    z[j] = (x[j] - mean[j]) / std[j];
                    logit += w[j] * z[j];
                }

                var sampleWeight = labels[i] ? weightPositive : weightNegative;
                var error = sampleWeight * (LogisticModel.Sigmoid(logit) - (labels[i] ? 1 : 0));
                for (var j = 0; j < d; j++)
                {
                    gradient[j] += error * z[j];
                }

                gradientB += error;
                weightSum += sampleWeight;
            }

            var correction1 = 1 - Math.Pow(Beta1, epoch);
            var correction2 = 1 - Math.Pow(Beta2, epoch);
            for (var j = 0; j < d; j++)
            {
                var g = gradient[j] / weightSum + training.L2 * w[j];
                mW[j] = Beta1 * mW[j] + (1 - Beta1) * g;
                vW[j] = Beta2 * vW[j] + (1 - Beta2) * g * g;
                w[j] -= training.LearningRate * (mW[j] / correction1) / (Math.Sqrt(vW[j] / correction2) + Epsilon);
            }

            var gb = gradientB / weightSum;
            mB = Beta1 * mB + (1 - Beta1) * gb;
            vB = Beta2 * vB + (1 - Beta2) * gb * gb;
            b -= training.LearningRate * (mB / correction1) / (Math.Sqrt(vB / correction2) + Epsilon);
        }

        // Fold the standardisation in, so the published head applies to raw embeddings.
        var weights = new float[d];
        var bias = b;
        for (var j = 0; j < d; j++)
        {
            weights[j] = (float)(w[j] / std[j]);
            bias -= w[j] * mean[j] / std[j];
        }

        return new LogisticModel(weights, (float)bias);
    }
}
