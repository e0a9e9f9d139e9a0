using VideoCoca.Ingest.Libav;

// Requests on standard input, records on standard output (Ingest/Libav/SplitHelperProtocol); started by SplitHelpers.
return SplitHelperServer.Run(Console.OpenStandardInput(), Console.OpenStandardOutput());
