import { afterEach, beforeEach } from 'vitest';
import { afterTest, beforeTest } from './support/leakCheck.js';

beforeEach(() => {
  beforeTest();
});

afterEach(async () => {
  await afterTest();
});
