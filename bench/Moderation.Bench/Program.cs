using Moderation.Bench;

return args switch
{
    ["upload-memory", .. var rest] => await UploadMemoryBenchmark.RunAsync(rest),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("""
        Usage: Moderation.Bench <benchmark> [options]
          upload-memory [--gib 1]   peak working set of ingest while 1 GiB streams in (raw body, then multipart)
        """);
    return 2;
}
