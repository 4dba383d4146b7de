using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Commands.Submit;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands;

/// <summary>
/// `farmctl thumbnail ID -o poster.jpg [--kind poster|contact-sheet|source]`: a picture the coordinator made of a succeeded
/// job: the poster frame of its output, the contact sheet of a longer output, or a graded job's source at the poster's time.
/// </summary>
internal static class ThumbnailCommand
{
    /// <summary>The --kind words.</summary>
    public static readonly IReadOnlyDictionary<string, ThumbnailKind> Kinds = new Dictionary<string, ThumbnailKind>
    {
        ["poster"] = ThumbnailKind.Poster,
        ["contact-sheet"] = ThumbnailKind.ContactSheet,
        ["source"] = ThumbnailKind.Source,
    };

    public static Command Create(CommandRunner runner)
    {
        var id = JobIdArgument.Create();
        var output = new Option<string>("--output", "-o")
        {
            Description = "Where to write the JPEG (replaced if it exists).", HelpName = "FILE", Required = true,
        };
        var kind = new Choices<ThumbnailKind>("--kind",
            "Which picture: the poster frame about 10 % into the output (default), the contact sheet of an output of 20 s or more, "
            + "or a graded job's source at the poster's time without the grade.", Kinds);
        var command = new Command("thumbnail", "Save a picture (a JPEG, SDR) of a succeeded job's output: its poster frame, contact sheet or graded source.")
        {
            id, output, kind.Option,
        };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var response = await context.Jobs.GetThumbnailAsync(new GetThumbnailRequest { JobId = context.Get(id), Kind = kind.Get(context.ParseResult, ThumbnailKind.Poster) }, cancellationToken: cancellationToken);
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
