import ArgumentParser
import GenreKit

// Options whose values are the library's enums are parsed as those enums, so an unknown value is refused with
// the list of valid ones instead of silently becoming a default.

extension ClassifierChoice: ExpressibleByArgument {}
extension GenreModel.TrainingLevel: ExpressibleByArgument {}
extension GenreModel.Task: ExpressibleByArgument {}
extension AggregationChoice: ExpressibleByArgument {}
extension TimePooling: ExpressibleByArgument {}
extension FineTuneStage: ExpressibleByArgument {}
extension FineTuneOptions.OptimizerChoice: ExpressibleByArgument {}
extension FineTuneOptions.ScheduleChoice: ExpressibleByArgument {}
extension FineTuneOptions.Balance: ExpressibleByArgument {}
