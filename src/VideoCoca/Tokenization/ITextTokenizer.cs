namespace VideoCoca.Tokenization;

public interface ITextTokenizer {
    int VocabularySize { get; }
    int StartId { get; }
    int EndId { get; }
    int PadId { get; }
    IReadOnlyList<int> EncodeWords(string text); // ids of the text only, no start/end
    string Decode(IEnumerable<int> ids);          // skips start/end/pad ids
}
