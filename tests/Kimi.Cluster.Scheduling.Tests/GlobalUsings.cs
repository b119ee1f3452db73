// The scheduler's own tests need no more of a request than its scheduling part.
global using FinishedSequence = Kimi.Cluster.Scheduling.FinishedSequence<Kimi.Cluster.Scheduling.SequenceRequest>;
global using ScheduledSequence = Kimi.Cluster.Scheduling.ScheduledSequence<Kimi.Cluster.Scheduling.SequenceRequest>;
global using Scheduler = Kimi.Cluster.Scheduling.Scheduler<Kimi.Cluster.Scheduling.SequenceRequest>;
global using StepPlan = Kimi.Cluster.Scheduling.StepPlan<Kimi.Cluster.Scheduling.SequenceRequest>;
