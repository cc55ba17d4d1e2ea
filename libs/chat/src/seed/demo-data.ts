/** The reference demo's data set (seed-api.md §5). */
export const DEMO_USERS = ['Pablo', 'Joe', 'Mary', 'Alex'] as const;
export const DEMO_PASSWORD = 'password123';
export const DEMO_GREETINGS = ['Hello', 'Hi', 'Yo', 'Hola'] as const;
export const DEMO_GENERAL_MESSAGES = [
  'Hello!',
  'Hi, How are you? What about our next meeting?',
  'Yeah everything is fine',
  'Next meeting tomorrow 10.00AM',
  "Wow that's great",
] as const;
