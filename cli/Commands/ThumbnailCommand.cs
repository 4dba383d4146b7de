using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands;

/// <summary>`farmctl thumbnail ID -o poster.jpg`: the poster frame the coordinator made of a succeeded job's output.</summary>
internal static class ThumbnailCommand
{
    public static Command Create(CommandRunner runner)
    {
        var id = JobIdArgument.Create();
        var output = new Option<string>("--output", "-o")
        {
            Description = "Where to write the JPEG (replaced if it exists).", HelpName = "FILE", Required = true,
        };
        var command = new Command("thumbnail", "Save the poster frame (a JPEG, SDR, about 10 % into the clip) of a succeeded job's output.") { id, output };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var response = await context.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = context.Get(id) }, cancellationToken: cancellationToken);
            var path = Path.GetFullPath(context.Get(output), context.Environment.CurrentDirectory);
            await File.WriteAllBytesAsync(path, response.Jpeg.ToByteArray(), cancellationToken);
            if (context.Json)
            {
                context.JsonOut.Write(new GetThumbnailResponse(response) { Jpeg = Google.Protobuf.ByteString.Empty });
            }
            else
            {
                context.Console.MarkupLine(Markup.Escape($"wrote {path}: {response.Width}x{response.Height} JPEG, {response.Jpeg.Length} bytes"));
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
