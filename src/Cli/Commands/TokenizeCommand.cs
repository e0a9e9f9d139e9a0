using System.CommandLine;
using System.Text.Json;
using VideoCoca.Checkpoints;
using VideoCoca.Cli.Console;
using VideoCoca.Tokenization;

namespace VideoCoca.Cli.Commands;

/// <summary><c>vcp model tokenize</c>: the ids open_clip's tokenizer gives a text, start and end tokens included.</summary>
public static class TokenizeCommand
{
    public static Command Create()
    {
        var bpe = new Option<FileInfo>("--bpe") { Description = "CLIP's BPE merges file (bpe_simple_vocab_16e6.txt.gz)", Required = true };
        var context = new Option<int>("--context") { Description = "context length: a longer text is cut, keeping the end token (open_clip's CoCa: 76)", DefaultValueFactory = _ => 76 };
        var texts = new Argument<string[]>("text") { Description = "texts to tokenize", Arity = ArgumentArity.OneOrMore };
        var command = new Command("tokenize", "print each text's CLIP BPE ids as a JSON array, one line per text: start id, the text's ids, end id (no padding)")
        {
            bpe, context, texts,
        };
        command.SetGuardedAction((parse, _) =>
        {
            var length = parse.GetValue(context);
            if (length < 2) throw new UserInputException("--context must be at least 2 (the start and end tokens)");
            var tokenizer = TokenizerFiles.LoadClipBpe(parse.GetValue(bpe)!.FullName);
            foreach (var text in parse.GetValue(texts)!)
            {
                var ids = tokenizer.EncodeForModel(text, length);
                var end = Array.IndexOf(ids, (long)tokenizer.EndId);
                System.Console.WriteLine(JsonSerializer.Serialize(ids.Take(end + 1)));
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
