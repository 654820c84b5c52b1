// The browser tests start real processes and a browser; running them side by side only makes a 2-core machine thrash.
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
