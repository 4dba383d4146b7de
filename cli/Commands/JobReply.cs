using RenderFarm.Cli.App;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands;

/// <summary>The short answer of submit, cancel and retry: the job as JSON, or one line for people.</summary>
internal static class JobReply
{
    public static void Write(CommandContext context, Job job, string what)
    {
        if (context.Json)
        {
            context.JsonOut.Write(job);
            return;
        }

        context.Console.MarkupLine($"{Markup.Escape(what)}: {Format.StateMarkup(job.State)}");
    }
}
