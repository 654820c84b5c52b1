// Each test runs a real ONNX Runtime session that uses every core; running them side by side on a 2-core machine
// would only make each slower and the suite flakier.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
