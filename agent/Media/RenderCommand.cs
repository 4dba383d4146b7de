using System.Text;

namespace RenderFarm.Agent.Media;

/// <summary>
/// An ffmpeg invocation that only names fixed files in its working directory (<see cref="InputFileName"/>,
/// <see cref="RenderCommandBuilder.LutFileName"/>, <see cref="OutputFileName"/>), plus what its output must look like.
/// </summary>
/// <param name="InputFileName">Relative input name, e.g. <c>input.mov</c> (a link to the real source).</param>
/// <param name="OutputFileName">Relative output name, e.g. <c>output.mp4</c>.</param>
/// <param name="OutputArguments">Everything between the input and the output file, one argument per item.</param>
/// <param name="VideoFilter">The <c>-vf</c> filtergraph (also inside <see cref="OutputArguments"/>), for logs and tests.</param>
/// <param name="Expect">What the verifier checks.</param>
/// <param name="InputArguments">Options before <c>-i</c> (a chunk's seek), one argument per item; null for none.</param>
public sealed record RenderCommand(
    string InputFileName,
    string OutputFileName,
    IReadOnlyList<string> OutputArguments,
    string VideoFilter,
    RenderExpectations Expect,
    IReadOnlyList<string>? InputArguments = null)
{
    /// <summary>The whole argument list (without the ffmpeg binary): <c>... -i input ... -y output</c>.</summary>
    public IReadOnlyList<string> Arguments =>
        ["-hide_banner", .. InputArguments ?? [], "-i", InputFileName, .. OutputArguments, "-y", OutputFileName];

    /// <summary><see cref="InputArguments"/> as one command-line string (empty for none).</summary>
    public string InputArgumentText => Join(InputArguments ?? []);

    /// <summary>
    /// <see cref="OutputArguments"/> as one command-line string for FFMpegCore's <c>WithCustomArgument</c>. Every
    /// argument is built here from fixed words and invariant numbers, so it never holds a double quote or backslash;
    /// arguments with spaces or single quotes are wrapped in double quotes.
    /// </summary>
    public string OutputArgumentText => Join(OutputArguments);

    /// <summary>Arguments as one command-line string (see <see cref="OutputArgumentText"/>).</summary>
    public static string Join(IEnumerable<string> arguments)
    {
        var sb = new StringBuilder();
        foreach (var arg in arguments)
        {
            if (arg.Contains('"') || arg.Contains('\\'))
            {
                throw new InvalidOperationException("A render argument contains a quote or backslash; this is a bug.");
            }

            if (sb.Length > 0)
            {
                sb.Append(' ');
            }

            if (arg.Length == 0 || arg.Any(c => char.IsWhiteSpace(c) || c == '\''))
            {
                sb.Append('"').Append(arg).Append('"');
            }
            else
            {
                sb.Append(arg);
            }
        }

        return sb.ToString();
    }
}
