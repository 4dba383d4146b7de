using System.CommandLine;
using RenderFarm.Cli.App;
using RenderFarm.Cli.Output;
using RenderFarm.Protos.V1;
using Spectre.Console;

namespace RenderFarm.Cli.Commands.Recipes;

/// <summary>`farmctl recipes create|list|show|delete|protect|unprotect`.</summary>
internal static class RecipesCommand
{
    public static Command Create(CommandRunner runner)
    {
        var command = new Command("recipes", "Named, versioned job templates kept in the farm: submit many files with one (farmctl submit --recipe NAME FILE...).");
        command.Subcommands.Add(Save(runner));
        command.Subcommands.Add(List(runner));
        command.Subcommands.Add(Show(runner));
        command.Subcommands.Add(Delete(runner));
        command.Subcommands.Add(Protect(runner, true));
        command.Subcommands.Add(Protect(runner, false));
        return command;
    }

    private static Command Save(CommandRunner runner)
    {
        var options = new RecipeOptions();
        var command = new Command("create", "Save a recipe; saving a changed recipe under the same name makes its next version.");
        options.AddTo(command);
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var recipe = options.ToRecipe(context.ParseResult, context.Environment.CurrentDirectory);
            var response = await context.Recipes.SaveRecipeAsync(new SaveRecipeRequest { Recipe = recipe }, cancellationToken: cancellationToken);
            if (context.Json) context.JsonOut.Write(response);
            else context.Console.WriteLine(response.Changed
                ? $"saved recipe {response.Recipe.Name} version {response.Recipe.Version}"
                : $"recipe {response.Recipe.Name} is unchanged (version {response.Recipe.Version})");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(CommandRunner runner)
    {
        var command = new Command("list", "List the recipes (their latest versions).");
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var response = await context.Recipes.ListRecipesAsync(new ListRecipesRequest(), cancellationToken: cancellationToken);
            if (context.Json)
            {
                context.JsonOut.Write(response);
                return ExitCodes.Success;
            }

            var table = Tables.Create("NAME", "VERSION", "OUTPUT", "SETTINGS", "PROTECTED", "SAVED BY");
            foreach (var recipe in response.Recipes)
            {
                table.AddRow(Markup.Escape(recipe.Name), recipe.Version.ToString(System.Globalization.CultureInfo.InvariantCulture), Markup.Escape(recipe.OutputPattern),
                    Markup.Escape(RecipeText.Settings(recipe.Output)), recipe.Protected ? "yes" : "-", Format.Escape(recipe.Author));
            }

            context.Console.Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Show(CommandRunner runner)
    {
        var name = new Argument<string>("NAME") { Description = "The recipe's name." };
        var version = new Option<uint>("--version") { Description = "A version (default: the latest).", HelpName = "N" };
        var command = new Command("show", "Show a recipe.") { name, version };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var recipe = (await context.Recipes.GetRecipeAsync(new GetRecipeRequest { Name = context.Get(name), Version = context.Get(version) }, cancellationToken: cancellationToken)).Recipe;
            if (context.Json)
            {
                context.JsonOut.Write(recipe);
                return ExitCodes.Success;
            }

            var grid = Tables.Properties()
                .Add("recipe", Markup.Escape($"{recipe.Name} version {recipe.Version}{(recipe.Protected ? " (protected)" : "")}"))
                .Add("description", Format.Escape(recipe.Description))
                .Add("output", Markup.Escape(recipe.OutputPattern))
                .Add("settings", Markup.Escape(RecipeText.Settings(recipe.Output)))
                .Add("grade", Markup.Escape(recipe.Grade is null ? Format.None : RecipeText.Grade(recipe.Grade)))
                .Add("priority", recipe.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Add("saved", Markup.Escape($"{Format.Time(recipe.CreateTime, context.Environment.Time)} by {Format.OrNone(recipe.Author)}"));
            context.Console.Write(grid);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Delete(CommandRunner runner)
    {
        var name = new Argument<string>("NAME") { Description = "The recipe's name." };
        var command = new Command("delete", "Delete a recipe (jobs made from it keep its version).") { name };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var response = await context.Recipes.DeleteRecipeAsync(new DeleteRecipeRequest { Name = context.Get(name) }, cancellationToken: cancellationToken);
            if (context.Json) context.JsonOut.Write(response);
            else context.Console.WriteLine($"deleted recipe {context.Get(name)}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Protect(CommandRunner runner, bool protect)
    {
        var name = new Argument<string>("NAME") { Description = "The recipe's name." };
        var command = new Command(protect ? "protect" : "unprotect",
            protect ? "Protect a recipe from changes and deletion (operators)." : "Lift a recipe's protection (operators).") { name };
        runner.Bind(command, async (context, cancellationToken) =>
        {
            var response = await context.Recipes.ProtectRecipeAsync(new ProtectRecipeRequest { Name = context.Get(name), Protected = protect }, cancellationToken: cancellationToken);
            if (context.Json) context.JsonOut.Write(response);
            else context.Console.WriteLine($"recipe {response.Recipe.Name} is {(protect ? "protected" : "no longer protected")}");
            return ExitCodes.Success;
        });
        return command;
    }
}
