import type { ActionFunctionArgs } from "@remix-run/node";
import { receiveSyncWebhook } from "~/webhooks.server";

export const action = async ({ request }: ActionFunctionArgs) => receiveSyncWebhook(request);
