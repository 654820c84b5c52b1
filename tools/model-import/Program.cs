using Moderation.ModelImport;

return await ImportCommand.RunAsync(args, Console.Out, Console.Error);
