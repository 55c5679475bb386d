#!/usr/bin/env node
import { Command } from 'commander';
import { FedsimError } from './errors.js';
import { doctorCommand } from './commands/doctor.js';
import { imagesBuildCommand, imagesCommand } from './commands/images.js';

const program = new Command('fedsim')
  .description('Multi-region database federations in Docker containers, broken on purpose.')
  .showHelpAfterError('(run fedsim --help for the commands)');

program
  .command('doctor')
  .description('check Node, the Docker engine (installing and starting one as root on Debian) and the images')
  .option('--json', 'print the findings as JSON')
  .action(doctorCommand);

const images = program.command('images').description('list every component image: source, tag, present or not').option('--json', 'print as JSON').action(imagesCommand);
images
  .command('build')
  .description('build the local images that are missing (each keyed by a hash of its recipe)')
  .argument('[components...]', 'only these components (and the base they need)')
  .action(imagesBuildCommand);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof FedsimError) {
    process.stderr.write(`fedsim: ${err.message}\n`);
    process.exit(err.exitCode);
  }
  throw err;
}
