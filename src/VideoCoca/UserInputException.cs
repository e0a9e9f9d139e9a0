namespace VideoCoca;

/// <summary>A problem with what the user gave (a path, a file, an option): its message is shown as is, on one line, with no stack trace.</summary>
public class UserInputException(string message, Exception? inner = null) : Exception(message, inner);
