import { z } from 'zod';
import { identifier, text } from '../domain/shared/schema';

/** A user as an administrator or the demo file names one: the sign-in name and the name people see. */
export const userInput = z.strictObject({
  id: identifier(100),
  name: text(100),
});
