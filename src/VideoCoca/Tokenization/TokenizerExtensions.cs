namespace VideoCoca.Tokenization;

public static class TokenizerExtensions
{
    /// <summary>[start, ids..., end, pad...], exactly <paramref name="contextLength"/> long; truncation keeps the end token.</summary>
    public static long[] EncodeForModel(this ITextTokenizer tokenizer, string text, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 2);
        var ids = tokenizer.EncodeWords(text);
        var result = new long[contextLength];
        Array.Fill(result, tokenizer.PadId);
        result[0] = tokenizer.StartId;
        var kept = Math.Min(ids.Count, contextLength - 2);
        for (var i = 0; i < kept; i++) result[i + 1] = ids[i];
        result[kept + 1] = tokenizer.EndId;
        return result;
    }
}
